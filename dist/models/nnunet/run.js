import { blendKeys, combineEnsembles } from "../ensemble.js";
import { activate } from "../outputs.js";
import { unionSteps } from "../plan.js";
import { slidingWindow } from "../sliding.js";
import { cropCt, logitsToBox, networkImage, networkRoi, uncrop } from "./geometry.js";
import { nnunetGaussian, nnunetLayout } from "./windows.js";
export function intensityOf(manifest, task) {
    const head = task.route.kind === 'head' ? manifest.heads[task.route.head] : undefined;
    return head?.intensity ?? manifest.preprocess.intensity;
}
export async function nnunetModelSide(run, resampling) {
    const { manifest } = run;
    const cropped = cropCt(run.ct, manifest, resampling);
    const windows = manifest.inference.nnunet;
    const float16 = (windows?.precision ?? 'float32') === 'float16';
    const groups = new Map();
    run.outputs.forEach((o, i) => {
        const key = JSON.stringify(intensityOf(manifest, o.task));
        groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    const probabilities = new Map();
    let count = 0;
    let preprocessed = 0;
    for (const members of groups.values()) {
        const image = networkImage(cropped, intensityOf(manifest, run.outputs[members[0]].task));
        if (!preprocessed)
            preprocessed = performance.now();
        const plans = members.map((i) => run.plans[i]);
        const blended = await blendGroup(run, cropped, image, plans, windows?.step ?? 1 - manifest.inference.overlap, windows?.gaussianPeak ?? 10, float16);
        count += blended.windows;
        combineEnsembles(blended.maps, plans, float16);
        const boxes = new Map();
        for (const plan of plans) {
            if (boxes.has(plan.outputKey))
                continue;
            const perChannel = blended.maps.get(plan.outputKey);
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
async function blendGroup(run, cropped, image, plans, step, peak, float16) {
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
        outputs: plans.flatMap((p) => blendKeys(p).map((key) => ({ key, channels: 'all' }))),
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
