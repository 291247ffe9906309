/**
 * The model side of segment() for packages that resample in world space (every package but
 * nnU-Net ones, see nnunet/run.ts): the CT onto the model grid, the sliding window (exact, or fast:
 * air skipped and/or located, locate.ts), ensembles combined, logits activated on the model grid.
 */
import type { Grid } from '../volume/grid.ts';
import type { Volume } from '../volume/types.ts';
import { toTensorOrder, toVolumeOrder, tensorDims } from './axes.ts';
import { blendKeys, combineEnsembles, type OutputPlan } from './ensemble.ts';
import { fastSlidingWindow } from './locate.ts';
import type { Manifest } from './manifest.ts';
import type { ModelSide } from './nnunet/run.ts';
import { activate, type PromptOutput } from './outputs.ts';
import type { PartRunner } from './parts.ts';
import { unionSteps } from './plan.ts';
import { toModelGrid } from './preprocess.ts';
import { describeSchedule, type Schedule } from './schedule.ts';
import { slidingWindow } from './sliding.ts';

export interface WindowRun {
  readonly manifest: Manifest;
  readonly runner: PartRunner;
  readonly ct: Volume;
  readonly prompts: readonly string[];
  readonly plans: readonly OutputPlan[];
  readonly outputs: readonly PromptOutput[];
  readonly mirrors: readonly (readonly number[])[];
  readonly overlap: number;
  readonly batchSize: number;
  readonly skipAir: boolean;
  readonly locate: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
  readonly onLogits?: (logits: { grid: Grid; prompts: ReadonlyArray<ReadonlyMap<number, Float32Array>> }) => void;
}

export async function windowModelSide(run: WindowRun): Promise<ModelSide & { schedule: Schedule }> {
  const { manifest, plans } = run;
  const input = toModelGrid(run.ct, manifest);
  const axes = manifest.preprocess.axes;
  const dims = tensorDims(input.grid.shape, axes);
  const common = {
    image: toTensorOrder(input.data, input.grid.shape, axes),
    dims,
    roi: tensorDims(manifest.inference.roi, axes),
    overlap: run.overlap,
    sigmaScale: manifest.inference.sigmaScale,
    batchSize: run.batchSize,
    padValue: manifest.inference.padValue,
    padMode: manifest.inference.padMode,
    outputs: run.outputs.flatMap((o, i) => blendKeys(plans[i]).map((key) => ({ key, channels: o.task.activation === 'softmax' ? ('all' as const) : o.task.output.channels }))),
    runner: run.runner,
    signal: run.signal,
    onProgress: run.onProgress,
    mirrors: run.mirrors,
  };
  const preprocessed = performance.now();
  const sliding =
    run.skipAir || run.locate
      ? await fastSlidingWindow({
          ...common,
          body: toTensorOrder(input.body, input.grid.shape, axes),
          targets: run.outputs.map((o, i) => ({
            key: plans[i].outputKey,
            ...(plans[i].members ? { members: plans[i].members } : {}),
            steps: plans[i].steps,
            activation: o.task.activation,
            channels: o.task.output.channels,
            threshold: o.task.threshold,
          })),
          skipAir: run.skipAir,
          locate: run.locate,
        })
      : await slidingWindow({ ...common, steps: unionSteps(plans), manifest });
  const schedule = describeSchedule(run.prompts, sliding, { skipAir: run.skipAir, locate: run.locate, axes });
  combineEnsembles(sliding.blended, plans, false);
  const blended = new Map<string, Map<number, Float32Array>>();
  for (const [key, perChannel] of sliding.blended) {
    const volumeOrder = new Map<number, Float32Array>();
    // Channel by channel, letting each tensor-order array go: a 105-channel network on a large grid holds gigabytes.
    for (const [c, data] of [...perChannel]) {
      volumeOrder.set(c, toVolumeOrder(data, input.grid.shape, axes));
      perChannel.delete(c);
    }
    blended.set(key, volumeOrder);
  }
  run.onLogits?.({ grid: input.grid, prompts: plans.map((p) => blended.get(p.outputKey)!) });
  return { grid: input.grid, probabilities: activate(blended, run.outputs), windows: sliding.windows, preprocessed, schedule };
}
