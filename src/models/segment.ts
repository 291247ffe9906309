/**
 * segment(ct, prompts): the front door. Prompts are resolved to tasks and routes, the CT is moved
 * onto the model grid, the union of the routes' dataflow plans runs once per sliding window, and
 * the blended outputs are activated, decided and resampled onto the CT's own voxels.
 */
import { UnisegError } from '../errors.ts';
import { preparePrompt } from '../prompt/normalize.ts';
import type { SelectionLogger } from '../pathways/log.ts';
import type { Grid } from '../volume/grid.ts';
import { makeVolume } from '../volume/volume.ts';
import type { Volume } from '../volume/types.ts';
import { decideOnGrid, type LabelArray } from './decide.ts';
import type { Task } from './manifest.ts';
import { buildDecisions, type PromptOutput } from './outputs.ts';
import type { Model } from './package.ts';
import { planTaskOutput } from './ensemble.ts';
import { mirrorSubsets } from './mirror.ts';
import { windowModelSide } from './model-side.ts';
import { nnunetModelSide, type ModelSide } from './nnunet/run.ts';
import { checkPathway, routePathway } from './plan.ts';
import { promptResolver } from './routing.ts';
import { describeSchedule, type Schedule } from './schedule.ts';

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
  /** Test-time mirroring (packages that declare inference.mirror); default the package's. */
  tta?: boolean;
  /**
   * Receives each prompt's blended raw outputs (logits, before activation) on the model grid, in
   * volume order, keyed by channel: for parity checks against the source framework. The arrays
   * are overwritten once it returns (copy what you keep).
   */
  onLogits?: (logits: { grid: Grid; prompts: ReadonlyArray<ReadonlyMap<number, Float32Array>> }) => void;
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
    return planTaskOutput(manifest, r.task, pathway);
  });
  const outputs: PromptOutput[] = resolved.map((r, i) => ({
    task: r.task,
    outputKey: plans[i].outputKey,
    keepProbability: options.probabilities ?? false,
    largestComponent: options.largestComponent ?? r.task.postprocess?.largestComponent ?? manifest.postprocess.largestComponent,
    fillHoles: options.fillHoles ?? r.task.postprocess?.fillHoles ?? manifest.postprocess.fillHoles,
    rank: mergeRank(manifest.merge.priority, r.task),
  }));
  const mirrors = mirrorsFor(manifest, options.tta);
  const ortBefore = model.parts.stats.runMs;
  const nnunet = manifest.preprocess.nnunet;
  const batchSize = options.batchSize ?? manifest.inference.batchSize;
  let side: ModelSide & { schedule: Schedule };
  let locate = false;
  if (nnunet) {
    // nnU-Net packages run nnU-Net's own pipeline, every window: its crop to the nonzero box already
    // leaves out what lies outside the scan, and its parity with nnU-Net's predictor (float16
    // accumulation, mirroring, fold averaging) is measured over the whole window grid. Air skipping
    // and locating are not applied; asking for locating is an error rather than silently ignored.
    if (options.locate && !options.exact) {
      throw new UnisegError('INVALID_ARGUMENT', `--locate: package "${manifest.name}" runs nnU-Net's windows, which always cover the whole cropped scan; run it without --locate`, { field: '--locate', value: true });
    }
    const step = options.overlap === undefined ? undefined : 1 - options.overlap;
    const run = await nnunetModelSide({ manifest, runner: model.parts, ct, plans, outputs, mirrors, batchSize, step, signal: options.signal, onProgress: options.onProgress }, nnunet);
    side = { ...run, schedule: describeSchedule(list, run, { skipAir: false, locate: false, axes: manifest.preprocess.axes }) };
  } else {
    locate = !options.exact && (options.locate ?? manifest.inference.locate);
    side = await windowModelSide({
      manifest,
      runner: model.parts,
      ct,
      prompts: list,
      plans,
      outputs,
      mirrors,
      overlap: options.overlap ?? manifest.inference.overlap,
      batchSize,
      skipAir: !options.exact && (options.skipAir ?? true),
      locate,
      signal: options.signal,
      onProgress: options.onProgress,
      onLogits: options.onLogits,
    });
  }
  const { grid: modelGrid, probabilities, schedule, preprocessed } = side;
  const inferred = performance.now();

  const { channels, decisions } = buildDecisions(probabilities, outputs, modelGrid.shape);
  // A prompt the locating pass did not find is answered empty, whatever its output says elsewhere.
  schedule.prompts.forEach((p, i) => {
    if (p.box !== null || !locate) return;
    channels.push(new Float32Array(modelGrid.shape[0] * modelGrid.shape[1] * modelGrid.shape[2]));
    decisions[i] = { ...decisions[i], candidates: [channels.length - 1], values: [1], activation: 'sigmoid', threshold: 0.5 };
  });
  const target = { shape: ct.shape, affine: ct.affine };
  const decided = decideOnGrid(modelGrid, target, channels, decisions);
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
    windows: side.windows,
    schedule: side.schedule,
    timings: {
      preprocessMs: preprocessed - started,
      inferenceMs: inferred - preprocessed,
      ortMs: model.parts.stats.runMs - ortBefore,
      postprocessMs: finished - inferred,
      totalMs: finished - started,
    },
  };
}

/** The mirror axis subsets to run: none unless the package declares mirroring and it is on. */
function mirrorsFor(manifest: Model['manifest'], tta: boolean | undefined): number[][] {
  const mirror = manifest.inference.mirror;
  if (tta && !mirror) {
    throw new UnisegError('INVALID_ARGUMENT', `--tta: package "${manifest.name}" declares no test-time mirroring (inference.mirror); its trainer did not allow it`, { field: '--tta', value: true });
  }
  return mirror && (tta ?? mirror.default) ? mirrorSubsets(mirror.axes) : [];
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
