/**
 * segment(ct, prompts): the front door. Prompts are resolved to tasks and routes, the CT is moved
 * onto the model grid, the union of the routes' dataflow plans runs once per sliding window, and
 * the blended outputs are activated, decided and resampled onto the CT's own voxels.
 */
import { UnisegError } from "../errors.js";
import { preparePrompt } from "../prompt/normalize.js";
import { makeVolume } from "../volume/volume.js";
import { decideOnGrid } from "./decide.js";
import { buildDecisions } from "./outputs.js";
import { planTaskOutput } from "./ensemble.js";
import { mirrorSubsets } from "./mirror.js";
import { windowModelSide } from "./model-side.js";
import { nnunetModelSide } from "./nnunet/run.js";
import { checkPathway, routePathway } from "./plan.js";
import { promptResolver } from "./routing.js";
import { describeSchedule } from "./schedule.js";
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
        return planTaskOutput(manifest, r.task, pathway);
    });
    const outputs = resolved.map((r, i) => ({
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
    let side;
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
    }
    else {
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
        if (p.box !== null || !locate)
            return;
        channels.push(new Float32Array(modelGrid.shape[0] * modelGrid.shape[1] * modelGrid.shape[2]));
        decisions[i] = { ...decisions[i], candidates: [channels.length - 1], values: [1], activation: 'sigmoid', threshold: 0.5 };
    });
    const target = { shape: ct.shape, affine: ct.affine };
    const decided = decideOnGrid(modelGrid, target, channels, decisions);
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
function mirrorsFor(manifest, tta) {
    const mirror = manifest.inference.mirror;
    if (tta && !mirror) {
        throw new UnisegError('INVALID_ARGUMENT', `--tta: package "${manifest.name}" declares no test-time mirroring (inference.mirror); its trainer did not allow it`, { field: '--tta', value: true });
    }
    return mirror && (tta ?? mirror.default) ? mirrorSubsets(mirror.axes) : [];
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
