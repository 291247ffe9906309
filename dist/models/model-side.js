import { toTensorOrder, toVolumeOrder, tensorDims } from "./axes.js";
import { blendKeys, combineEnsembles } from "./ensemble.js";
import { fastSlidingWindow } from "./locate.js";
import { activate } from "./outputs.js";
import { unionSteps } from "./plan.js";
import { toModelGrid } from "./preprocess.js";
import { describeSchedule } from "./schedule.js";
import { slidingWindow } from "./sliding.js";
export async function windowModelSide(run) {
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
        outputs: run.outputs.flatMap((o, i) => blendKeys(plans[i]).map((key) => ({ key, channels: o.task.activation === 'softmax' ? 'all' : o.task.output.channels }))),
        runner: run.runner,
        signal: run.signal,
        onProgress: run.onProgress,
        mirrors: run.mirrors,
    };
    const preprocessed = performance.now();
    const sliding = run.skipAir || run.locate
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
    const blended = new Map();
    for (const [key, perChannel] of sliding.blended) {
        const volumeOrder = new Map();
        // Channel by channel, letting each tensor-order array go: a 105-channel network on a large grid holds gigabytes.
        for (const [c, data] of [...perChannel]) {
            volumeOrder.set(c, toVolumeOrder(data, input.grid.shape, axes));
            perChannel.delete(c);
        }
        blended.set(key, volumeOrder);
    }
    run.onLogits?.({ grid: input.grid, prompts: plans.map((p) => blended.get(p.outputKey)) });
    return { grid: input.grid, probabilities: activate(blended, run.outputs), windows: sliding.windows, preprocessed, schedule };
}
