/**
 * The nnU-Net side of segment(): the CT through nnU-Net's preprocessing (per intensity group, so
 * datasets with their own CT normalisation share one package), nnU-Net's windows, gaussian,
 * float16 accumulation, mirroring and fold averaging, then logits back to the cropped box,
 * activation there, and probabilities on the whole oriented CT grid (background outside the box).
 */
import type { Grid } from '../../volume/grid.ts';
import type { Volume } from '../../volume/types.ts';
import { blendKeys, combineEnsembles, type OutputPlan } from '../ensemble.ts';
import type { IntensitySpec, Manifest, NnunetResampling, Task } from '../manifest.ts';
import { activate, type PromptOutput } from '../outputs.ts';
import type { PartRunner } from '../parts.ts';
import { unionSteps } from '../plan.ts';
import { slidingWindow } from '../sliding.ts';
import { cropCt, logitsToBox, networkImage, networkRoi, uncrop, type CroppedCt } from './geometry.ts';
import { nnunetGaussian, nnunetLayout } from './windows.ts';

export interface NnunetRun {
  readonly manifest: Manifest;
  readonly runner: PartRunner;
  readonly ct: Volume;
  readonly plans: readonly OutputPlan[];
  readonly outputs: readonly PromptOutput[];
  readonly mirrors: readonly (readonly number[])[];
  readonly batchSize: number;
  /** Window step override (fraction of the window); default the package's. */
  readonly step?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ModelSide {
  /** The grid the probabilities lie on. */
  readonly grid: Grid;
  readonly probabilities: Map<string, Map<number, Float32Array>>;
  readonly windows: number;
  /** When preprocessing ended and inference began (performance.now()). */
  readonly preprocessed: number;
}

export function intensityOf(manifest: Manifest, task: Task): IntensitySpec {
  const head = task.route.kind === 'head' ? manifest.heads[task.route.head] : undefined;
  return head?.intensity ?? manifest.preprocess.intensity;
}

export async function nnunetModelSide(run: NnunetRun, resampling: NnunetResampling): Promise<ModelSide> {
  const { manifest } = run;
  const cropped = cropCt(run.ct, manifest, resampling);
  const windows = manifest.inference.nnunet;
  const float16 = (windows?.precision ?? 'float32') === 'float16';
  const groups = new Map<string, number[]>();
  run.outputs.forEach((o, i) => {
    const key = JSON.stringify(intensityOf(manifest, o.task));
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const probabilities = new Map<string, Map<number, Float32Array>>();
  let count = 0;
  let preprocessed = 0;
  for (const members of groups.values()) {
    const image = networkImage(cropped, intensityOf(manifest, run.outputs[members[0]].task));
    if (!preprocessed) preprocessed = performance.now();
    const plans = members.map((i) => run.plans[i]);
    const blended = await blendGroup(run, cropped, image, plans, windows?.step ?? 1 - manifest.inference.overlap, windows?.gaussianPeak ?? 10, float16);
    count += blended.windows;
    combineEnsembles(blended.maps, plans, float16);
    const boxes = new Map<string, Map<number, Float32Array>>();
    for (const plan of plans) {
      if (boxes.has(plan.outputKey)) continue;
      const perChannel = blended.maps.get(plan.outputKey)!;
      boxes.set(plan.outputKey, new Map([...perChannel].map(([c, logits]) => [c, logitsToBox(logits, cropped.space, float16)])));
    }
    const groupOutputs = members.map((i) => run.outputs[i]);
    for (const [key, perChannel] of activate(boxes, groupOutputs)) {
      const softmax = !key.endsWith('#sigmoid');
      probabilities.set(key, new Map([...perChannel].map(([c, p]) => [c, uncrop(p, cropped.space, softmax && c === 0 ? 1 : 0)])));
    }
  }
  return { grid: cropped.space.oriented, probabilities, windows: count, preprocessed };
}

async function blendGroup(run: NnunetRun, cropped: CroppedCt, image: Float32Array, plans: readonly OutputPlan[], step: number, peak: number, float16: boolean) {
  const { space } = cropped;
  const roi = networkRoi(run.manifest, space.resampling);
  const sliding = await slidingWindow({
    image,
    dims: space.dims,
    roi,
    overlap: 1 - step,
    sigmaScale: 1 / 8,
    batchSize: run.batchSize,
    padValue: 0,
    steps: unionSteps(plans),
    outputs: plans.flatMap((p) => blendKeys(p).map((key) => ({ key, channels: 'all' as const }))),
    manifest: run.manifest,
    runner: run.runner,
    signal: run.signal,
    onProgress: run.onProgress,
    layout: nnunetLayout(space.dims, roi, run.step ?? step),
    importance: nnunetGaussian(roi, peak),
    float16,
    mirrors: run.mirrors,
  });
  return { maps: sliding.blended, windows: sliding.windows };
}
