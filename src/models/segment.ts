/**
 * segment(ct, prompts): the front door. Prompts are resolved to tasks and routes, the CT is moved
 * onto the model grid, the union of the routes' dataflow plans runs once per sliding window, and
 * the blended outputs are activated, decided and resampled onto the CT's own voxels.
 */
import { UnisegError } from '../errors.ts';
import { preparePrompt } from '../prompt/normalize.ts';
import type { SelectionLogger } from '../pathways/log.ts';
import { makeVolume } from '../volume/volume.ts';
import type { Volume } from '../volume/types.ts';
import { toTensorOrder, toVolumeOrder, tensorDims } from './axes.ts';
import { decideOnGrid, type LabelArray } from './decide.ts';
import type { Task } from './manifest.ts';
import { activate, buildDecisions, type PromptOutput } from './outputs.ts';
import type { Model } from './package.ts';
import { checkPathway, planTask, routePathway, unionSteps } from './plan.ts';
import { toModelGrid } from './preprocess.ts';
import { promptResolver } from './routing.ts';
import { fastSlidingWindow } from './locate.ts';
import { describeSchedule, type Schedule } from './schedule.ts';
import { slidingWindow } from './sliding.ts';

export type RouteTaken = { kind: 'fixed' } | { kind: 'pathway'; pathway: number[] } | { kind: 'head'; head: string };

/** A prompt resolved to a task and the route it runs. */
export interface ResolvedPrompt {
  readonly prompt: string;
  readonly task: Task;
  readonly route: RouteTaken;
}

export interface SegmentOptions {
  /** Also return each prompt's probability map on the input grid. */
  probabilities?: boolean;
  overlap?: number;
  batchSize?: number;
  largestComponent?: boolean;
  fillHoles?: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Resolves a prompt to a task and route; default: resolvePrompt (text encoder, router, names, heads). */
  resolve?: (model: Model, prompt: string) => ResolvedPrompt | Promise<ResolvedPrompt>;
  /** Receives one selection-log line per resolved prompt (with the default resolver). */
  logger?: SelectionLogger;
  /** Every window of the grid for every prompt, as MONAI's sliding window does (no air skipping, no locating). */
  exact?: boolean;
  /** Leave out windows with no body voxel (default true unless exact; see body.ts). */
  skipAir?: boolean;
  /** Locate each prompt with a coarse pass, then run only the windows touching its box (default: the package's inference.locate, unless exact). */
  locate?: boolean;
}

export interface PromptResult {
  readonly prompt: string;
  readonly task: string;
  readonly labels: Readonly<Record<string, number>>;
  readonly route: RouteTaken;
  readonly mask: Volume<LabelArray>;
  readonly probabilities?: Volume<Float32Array>;
  readonly voxels: number;
  readonly volumeMl: number;
  /** False when the locating pass found nothing for this prompt: it was answered empty without its fine windows. */
  readonly located?: boolean;
}

export interface Timings {
  preprocessMs: number;
  inferenceMs: number;
  /** Time inside ONNX Runtime's session.run (part of inferenceMs). */
  ortMs: number;
  postprocessMs: number;
  totalMs: number;
}

export interface SegmentResult {
  readonly prompts: PromptResult[];
  /**
   * Value p + 1 where prompt p is on; overlaps go by the package's merge priority, then the highest
   * probability. With one prompt whose labels are all 1 it shares its data with that prompt's mask.
   */
  readonly labelMap: Volume<LabelArray>;
  readonly contested: { a: string; b: string; voxels: number }[];
  /** Windows run (every prompt's together). */
  readonly windows: number;
  /** Which windows ran for which prompt, and why the others did not. */
  readonly schedule: Schedule;
  readonly timings: Timings;
}

export async function segmentWithModel(model: Model, ct: Volume, prompts: string | readonly string[], options: SegmentOptions = {}): Promise<SegmentResult> {
  const started = performance.now();
  const list = typeof prompts === 'string' ? [prompts] : [...prompts];
  if (list.length === 0) throw new UnisegError('PROMPT_EMPTY', 'at least one prompt is required', { prompts: list });
  const { manifest } = model;
  const resolver = options.resolve ?? promptResolver({ logger: options.logger });
  // Every prompt must have letters or digits, whichever resolver routes it.
  for (const p of list) preparePrompt(p);
  const resolved = await Promise.all(list.map((p) => resolver(model, p)));
  const plans = resolved.map((r) => {
    const pathway = routePathway(manifest, r.route);
    if (pathway.length) checkPathway(manifest, pathway);
    return planTask(manifest, r.task, pathway);
  });

  const input = toModelGrid(ct, manifest);
  const axes = manifest.preprocess.axes;
  const dims = tensorDims(input.grid.shape, axes);
  const roi = tensorDims(manifest.inference.roi, axes);
  const image = toTensorOrder(input.data, input.grid.shape, axes);
  const preprocessed = performance.now();

  const ortBefore = model.parts.stats.runMs;
  const common = {
    image,
    dims,
    roi,
    overlap: options.overlap ?? manifest.inference.overlap,
    sigmaScale: manifest.inference.sigmaScale,
    batchSize: options.batchSize ?? manifest.inference.batchSize,
    padValue: manifest.inference.padValue,
    outputs: resolved.map((r, i) => ({ key: plans[i].outputKey, channels: r.task.activation === 'softmax' ? ('all' as const) : r.task.output.channels })),
    runner: model.parts,
    signal: options.signal,
    onProgress: options.onProgress,
  };
  const skipAir = !options.exact && (options.skipAir ?? true);
  const locate = !options.exact && (options.locate ?? manifest.inference.locate);
  const sliding =
    skipAir || locate
      ? await fastSlidingWindow({
          ...common,
          body: toTensorOrder(input.body, input.grid.shape, axes),
          targets: resolved.map((r, i) => ({ key: plans[i].outputKey, steps: plans[i].steps, activation: r.task.activation, channels: r.task.output.channels, threshold: r.task.threshold })),
          skipAir,
          locate,
        })
      : await slidingWindow({ ...common, steps: unionSteps(plans), manifest });
  const schedule = describeSchedule(list, sliding, { skipAir, locate, axes });
  const inferred = performance.now();

  const blended = new Map<string, Map<number, Float32Array>>();
  for (const [key, perChannel] of sliding.blended) {
    blended.set(key, new Map([...perChannel].map(([c, data]) => [c, toVolumeOrder(data, input.grid.shape, axes)])));
  }
  const outputs: PromptOutput[] = resolved.map((r, i) => ({
    task: r.task,
    outputKey: plans[i].outputKey,
    keepProbability: options.probabilities ?? false,
    largestComponent: options.largestComponent ?? manifest.postprocess.largestComponent,
    fillHoles: options.fillHoles ?? manifest.postprocess.fillHoles,
    rank: mergeRank(manifest.merge.priority, r.task),
  }));
  const { channels, decisions } = buildDecisions(activate(blended, outputs), outputs, input.grid.shape);
  // A prompt the locating pass did not find is answered empty, whatever its output says elsewhere.
  schedule.prompts.forEach((p, i) => {
    if (p.box !== null || !locate) return;
    channels.push(new Float32Array(input.data.length));
    decisions[i] = { ...decisions[i], candidates: [channels.length - 1], values: [1], activation: 'sigmoid', threshold: 0.5 };
  });
  const target = { shape: ct.shape, affine: ct.affine };
  const decided = decideOnGrid(input.grid, target, channels, decisions);
  const voxelMl = Math.abs(determinant3(ct.affine)) / 1000;

  const results: PromptResult[] = resolved.map((r, i) => {
    const d = decided.prompts[i];
    return {
      prompt: r.prompt,
      task: r.task.name,
      labels: r.task.labels,
      route: r.route,
      mask: makeVolume(d.mask, ct.shape, ct.affine),
      ...(d.probability ? { probabilities: makeVolume(d.probability, ct.shape, ct.affine) } : {}),
      voxels: d.voxels,
      volumeMl: d.voxels * voxelMl,
      ...(locate ? { located: schedule.prompts[i].box !== null } : {}),
    };
  });
  const contested: SegmentResult['contested'] = [];
  decided.contested.forEach((row, a) => row.forEach((voxels, b) => b > a && contested.push({ a: list[a], b: list[b], voxels })));
  const finished = performance.now();
  return {
    prompts: results,
    labelMap: makeVolume(decided.merged, ct.shape, ct.affine),
    contested,
    windows: sliding.windows,
    schedule,
    timings: {
      preprocessMs: preprocessed - started,
      inferenceMs: inferred - preprocessed,
      ortMs: model.parts.stats.runMs - ortBefore,
      postprocessMs: finished - inferred,
      totalMs: finished - started,
    },
  };
}

/** Where a task stands in the merge priority: the first of its name or label names listed. */
function mergeRank(priority: readonly string[], task: Task): number {
  const ranks = [task.name, ...Object.keys(task.labels)].map((n) => priority.indexOf(n)).filter((i) => i >= 0);
  return ranks.length > 0 ? Math.min(...ranks) : Infinity;
}

function determinant3(a: Volume['affine']): number {
  return (
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
    a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
    a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
  );
}
