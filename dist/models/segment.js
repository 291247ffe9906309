/**
 * segment(ct, prompts): the front door. Prompts are resolved to tasks and routes, the CT is moved
 * onto the model grid, the union of the routes' dataflow plans runs once per sliding window, and
 * the blended outputs are activated, decided and resampled onto the CT's own voxels.
 */
import { UnisegError } from "../errors.js";
import { preparePrompt } from "../prompt/normalize.js";
import { makeVolume } from "../volume/volume.js";
import { toTensorOrder, toVolumeOrder, tensorDims } from "./axes.js";
import { decideOnGrid } from "./decide.js";
import { activate, buildDecisions } from "./outputs.js";
import { checkPathway, planTask, routePathway, unionSteps } from "./plan.js";
import { toModelGrid } from "./preprocess.js";
import { promptResolver } from "./routing.js";
import { fastSlidingWindow } from "./locate.js";
import { describeSchedule } from "./schedule.js";
import { slidingWindow } from "./sliding.js";
export async function segmentWithModel(model, ct, prompts, options = {}) {
    const started = performance.now();
    const list = typeof prompts === 'string' ? [prompts] : [...prompts];
    if (list.length === 0)
        throw new UnisegError('PROMPT_EMPTY', 'at least one prompt is required', { prompts: list });
    const { manifest } = model;
    const resolver = options.resolve ?? promptResolver({ logger: options.logger });
    // Every prompt must have letters or digits, whichever resolver routes it.
    for (const p of list)
        preparePrompt(p);
    const resolved = await Promise.all(list.map((p) => resolver(model, p)));
    const plans = resolved.map((r) => {
        const pathway = routePathway(manifest, r.route);
        if (pathway.length)
            checkPathway(manifest, pathway);
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
        outputs: resolved.map((r, i) => ({ key: plans[i].outputKey, channels: r.task.activation === 'softmax' ? 'all' : r.task.output.channels })),
        runner: model.parts,
        signal: options.signal,
        onProgress: options.onProgress,
    };
    const skipAir = !options.exact && (options.skipAir ?? true);
    const locate = !options.exact && (options.locate ?? manifest.inference.locate);
    const sliding = skipAir || locate
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
    const blended = new Map();
    for (const [key, perChannel] of sliding.blended) {
        blended.set(key, new Map([...perChannel].map(([c, data]) => [c, toVolumeOrder(data, input.grid.shape, axes)])));
    }
    const outputs = resolved.map((r, i) => ({
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
        if (p.box !== null || !locate)
            return;
        channels.push(new Float32Array(input.data.length));
        decisions[i] = { ...decisions[i], candidates: [channels.length - 1], values: [1], activation: 'sigmoid', threshold: 0.5 };
    });
    const target = { shape: ct.shape, affine: ct.affine };
    const decided = decideOnGrid(input.grid, target, channels, decisions);
    const voxelMl = Math.abs(determinant3(ct.affine)) / 1000;
    const results = resolved.map((r, i) => {
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
    const contested = [];
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
function mergeRank(priority, task) {
    const ranks = [task.name, ...Object.keys(task.labels)].map((n) => priority.indexOf(n)).filter((i) => i >= 0);
    return ranks.length > 0 ? Math.min(...ranks) : Infinity;
}
function determinant3(a) {
    return (a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
        a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
        a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]));
}
