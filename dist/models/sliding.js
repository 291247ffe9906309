/**
 * Gaussian-weighted sliding-window execution of a dataflow plan over a tensor-ordered image.
 * A window job names the output keys it feeds and the plan steps they need; the steps of one
 * window run once however many keys read them (shared parts once), and only the requested output
 * tensors/channels are blended (blend.ts). slidingWindow() runs every window for every key: the
 * exact semantics of MONAI's sliding_window_inference, or of nnU-Net's predictor when given its
 * window layout, importance map, float16 accumulation and mirroring. The fast path (locate.ts)
 * runs the same window grid and jobs, so each of those options holds there too.
 */
import { UnisegError } from "../errors.js";
import { runSteps } from "./plan.js";
import { Blender } from "./blend.js";
import { runMirrored } from "./mirror.js";
import { gaussianImportance, windowLayout } from "./windows.js";
export function windowGrid(input) {
    const layout = input.layout ?? windowLayout(input.dims, input.roi, input.overlap);
    const corners = [];
    for (const a of layout.starts[0])
        for (const b of layout.starts[1])
            for (const c of layout.starts[2])
                corners.push([a, b, c]);
    return {
        layout,
        dims: input.dims,
        roi: input.roi,
        padded: padImage(input.image, input.dims, layout.padded, layout.padBefore, input.padValue, input.padMode ?? 'constant'),
        weight: input.importance ?? gaussianImportance(input.roi, input.sigmaScale),
        corners,
    };
}
/** Runs `jobs` in order, batching neighbours that run the same steps, and blends their outputs. */
export async function runWindows(grid, jobs, blender, context) {
    const [R0, R1, R2] = grid.roi;
    const roiSize = R0 * R1 * R2;
    let done = 0;
    while (done < jobs.length) {
        if (context.signal?.aborted)
            throw abortError(done, jobs.length);
        const batch = [jobs[done]];
        while (batch.length < context.batchSize && done + batch.length < jobs.length && sameWork(jobs[done + batch.length], batch[0]))
            batch.push(jobs[done + batch.length]);
        const windowData = new Float32Array(batch.length * roiSize);
        batch.forEach((job, b) => copyWindow(grid.padded, grid.layout.padded, job.corner, grid.roi, windowData, b * roiSize));
        const run = (image) => runSteps(context.runner, batch[0].steps, image);
        const outputs = await runMirrored(run, { data: windowData, dims: [batch.length, 1, R0, R1, R2] }, batch[0].keys, context.mirrors ?? []);
        batch.forEach((job, b) => blender.add(job.corner, outputs, b, batch.length, job.keys));
        done += batch.length;
        context.onBatch?.(done);
    }
}
export async function slidingWindow(input) {
    const grid = windowGrid(input);
    const blender = new Blender(grid.layout.padded, grid.roi, grid.weight, input.outputs, true, input.float16 ?? false);
    const keys = blender.keys();
    const jobs = grid.corners.map((corner, index) => ({ index, corner, keys, steps: input.steps }));
    await runWindows(grid, jobs, blender, {
        batchSize: input.batchSize,
        runner: input.runner,
        signal: input.signal,
        mirrors: input.mirrors,
        onBatch: (done) => input.onProgress?.(done, jobs.length),
    });
    return { blended: cropAll(blender.finish(), grid), windows: jobs.length };
}
/** Every blended channel with the padding cropped away. */
export function cropAll(blended, grid) {
    const out = new Map();
    for (const [key, perChannel] of blended) {
        out.set(key, new Map([...perChannel].map(([c, acc]) => [c, crop(acc, grid.layout.padded, grid.dims, grid.layout.padBefore)])));
    }
    return out;
}
function sameWork(a, b) {
    return a.steps === b.steps && a.keys.length === b.keys.length && a.keys.every((k, i) => k === b.keys[i]);
}
function abortError(done, total) {
    return new UnisegError('ABORTED', `segmentation cancelled after ${done} of ${total} windows`, { done, total });
}
function padImage(image, dims, padded, before, value, mode) {
    if (dims[0] === padded[0] && dims[1] === padded[1] && dims[2] === padded[2])
        return image;
    const out = new Float32Array(padded[0] * padded[1] * padded[2]).fill(value);
    if (mode === 'replicate') {
        // Every padded voxel takes the nearest image voxel (clamped index along each dim).
        const clamp = (x, d) => Math.min(dims[d] - 1, Math.max(0, x - before[d]));
        let o = 0;
        for (let a = 0; a < padded[0]; a++) {
            for (let b = 0; b < padded[1]; b++) {
                const row = (clamp(a, 0) * dims[1] + clamp(b, 1)) * dims[2];
                for (let c = 0; c < padded[2]; c++)
                    out[o++] = image[row + clamp(c, 2)];
            }
        }
        return out;
    }
    for (let a = 0; a < dims[0]; a++) {
        for (let b = 0; b < dims[1]; b++) {
            const src = (a * dims[1] + b) * dims[2];
            const dst = ((a + before[0]) * padded[1] + (b + before[1])) * padded[2] + before[2];
            out.set(image.subarray(src, src + dims[2]), dst);
        }
    }
    return out;
}
function crop(data, padded, dims, before) {
    if (dims[0] === padded[0] && dims[1] === padded[1] && dims[2] === padded[2])
        return data;
    const out = new Float32Array(dims[0] * dims[1] * dims[2]);
    for (let a = 0; a < dims[0]; a++) {
        for (let b = 0; b < dims[1]; b++) {
            const src = ((a + before[0]) * padded[1] + (b + before[1])) * padded[2] + before[2];
            out.set(data.subarray(src, src + dims[2]), (a * dims[1] + b) * dims[2]);
        }
    }
    return out;
}
function copyWindow(image, size, corner, roi, out, offset) {
    let o = offset;
    for (let a = 0; a < roi[0]; a++) {
        for (let b = 0; b < roi[1]; b++) {
            const src = ((corner[0] + a) * size[1] + (corner[1] + b)) * size[2] + corner[2];
            out.set(image.subarray(src, src + roi[2]), o);
            o += roi[2];
        }
    }
}
