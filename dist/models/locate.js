/**
 * The fast sliding window: the exact window grid, minus what a prompt does not need.
 *
 * 1. Air: windows with no body voxel (body.ts) are not run.
 * 2. Locate: a coarse pass runs the fewest grid windows that still cover the volume (along each
 *    axis the starts that tile it without gaps, at least every other one: overlap 0 where the grid
 *    allows). Each prompt's foreground in that coarse blend gives a bounding box, grown by
 *    LOCATE_MARGIN. The fine pass then runs, per output, the grid windows that touch a box of a
 *    prompt reading it. Inside a box every grid window that covers a voxel has run, so the blend
 *    there is the exact one (up to float summation order, the coarse windows come first); outside
 *    every box the output takes its background logits, and a prompt with no box answers empty.
 *
 * The coarse windows are grid windows, so their outputs count in the final blend: locating never
 * costs more windows than the exact grid, it only saves. The grid and the jobs are the plain
 * sliding window's (sliding.ts), so replicate padding, mirroring and float16 accumulation hold
 * here as there. An ensemble prompt blends its members' keys: they share one box (the union of
 * the members' foreground boxes), so the members average over the same windows everywhere.
 */
import { UnisegError } from "../errors.js";
import { Blender } from "./blend.js";
import { Bounds } from "./bounds.js";
import { unionSteps } from "./plan.js";
import { BodyIndex } from "./body.js";
import { cropAll, runWindows, windowGrid } from "./sliding.js";
/** Model-grid voxels added around each located box (24 mm at 3 mm spacing). */
export const LOCATE_MARGIN = 8;
export async function fastSlidingWindow(input) {
    const grid = windowGrid(input);
    const { corners, roi } = grid;
    const body = new BodyIndex(input.body, input.dims, grid.layout.padded, grid.layout.padBefore);
    // With no body voxel at all (not a CT, or an empty field) nothing is skipped for air.
    const airFree = !input.skipAir || body.total === 0;
    const kept = corners.map((c, i) => (airFree || body.windowHasBody(c, roi) ? i : -1)).filter((i) => i >= 0);
    const outputs = input.outputs;
    const allKeys = [...new Set(outputs.map((o) => o.key))];
    const stepsOf = new Map(input.targets.flatMap((t) => blendKeysOf(t).map((k) => [k, t.steps])));
    const jobSteps = stepCache(allKeys, stepsOf);
    const blender = new Blender(grid.layout.padded, roi, grid.weight, outputs, !input.locate, input.float16 ?? false);
    let total = kept.length;
    const context = (offset) => ({
        batchSize: input.batchSize,
        runner: input.runner,
        signal: input.signal,
        mirrors: input.mirrors,
        onBatch: (n) => input.onProgress?.(offset + n, total),
    });
    const job = (index, keys) => ({ index, corner: corners[index], keys, steps: jobSteps(keys) });
    if (!input.locate) {
        await runWindows(grid, kept.map((i) => job(i, allKeys)), blender, context(0));
        const background = backgrounds(input.targets, blender, allKeys);
        return {
            blended: cropAll(blender.finish(background), grid),
            windows: kept.length,
            schedule: { grid: corners.length, skippedAir: corners.length - kept.length, coarse: [], targets: input.targets.map(() => ({ box: null, windows: kept })), padBefore: grid.layout.padBefore, dims: input.dims },
        };
    }
    const coarseStarts = grid.layout.starts.map((s, d) => coveringStarts(s, roi[d], grid.layout.padded[d]));
    const isCoarse = (c) => c.every((v, d) => coarseStarts[d].has(v));
    const coarse = kept.filter((i) => isCoarse(corners[i]));
    total = coarse.length + (kept.length - coarse.length);
    await runWindows(grid, coarse.map((i) => job(i, allKeys)), blender, context(0));
    const background = backgrounds(input.targets, blender, allKeys);
    const boxes = input.targets.map((t) => {
        const keys = blendKeysOf(t);
        const bg = background.get(keys[0]);
        // A softmax output with no channel left for background cannot be answered outside a box.
        if (t.activation === 'softmax' && t.channels.includes(bg.channel ?? -1))
            return whole(grid.layout.padded);
        const found = union(keys.map((key) => foreground(blender, key, t, grid.layout.padded)));
        return found && grow(found, LOCATE_MARGIN, grid.layout.padded);
    });
    const keyBoxes = new Map(allKeys.map((k) => [k, []]));
    input.targets.forEach((t, i) => boxes[i] && blendKeysOf(t).forEach((k) => keyBoxes.get(k).push(boxes[i])));
    const coarseSet = new Set(coarse);
    const fineJobs = [];
    for (const i of kept) {
        if (coarseSet.has(i))
            continue;
        const keys = allKeys.filter((k) => keyBoxes.get(k).some((b) => touches(corners[i], roi, b)));
        if (keys.length > 0)
            fineJobs.push(job(i, keys));
    }
    total = coarse.length + fineJobs.length;
    await runWindows(grid, fineJobs, blender, context(coarse.length));
    const inside = new Map();
    for (const [key, list] of keyBoxes)
        inside.set(key, boxMask(list, grid.layout.padded));
    const blended = cropAll(blender.finish(background, inside), grid);
    const ran = new Set([...coarse, ...fineJobs.map((j) => j.index)]);
    return {
        blended,
        windows: ran.size,
        schedule: {
            grid: corners.length,
            skippedAir: corners.length - kept.length,
            coarse,
            targets: boxes.map((box) => ({ box, windows: box ? [...ran].filter((i) => touches(corners[i], roi, box)).sort((a, b) => a - b) : [] })),
            padBefore: grid.layout.padBefore,
            dims: input.dims,
        },
    };
}
/** The union of the keys' plans, one array per distinct key set (so equal work batches together). */
function stepCache(allKeys, stepsOf) {
    const cache = new Map();
    return (keys) => {
        const id = keys.join('\n');
        let steps = cache.get(id);
        if (!steps) {
            const ordered = allKeys.filter((k) => keys.includes(k));
            steps = unionSteps(ordered.map((k) => ({ steps: stepsOf.get(k) ?? [], outputKey: k })));
            cache.set(id, steps);
        }
        return steps;
    };
}
/**
 * Per key, the logits written where it was not computed: for softmax outputs the lowest channel
 * no prompt reads as a label (the network's background), for sigmoid outputs none.
 */
function backgrounds(targets, blender, keys) {
    const out = new Map();
    for (const key of keys) {
        const reading = targets.filter((t) => blendKeysOf(t).includes(key));
        if (!reading.some((t) => t.activation === 'softmax')) {
            out.set(key, { channel: null });
            continue;
        }
        const labelled = new Set(reading.flatMap((t) => t.channels));
        const free = [...blender.raw(key).channels.keys()].filter((c) => !labelled.has(c)).sort((a, b) => a - b);
        out.set(key, { channel: free.length > 0 ? free[0] : 0 });
    }
    return out;
}
function blendKeysOf(t) {
    return t.members ?? [t.key];
}
/** The smallest box holding all the found boxes; null when none was found. */
function union(found) {
    const boxes = found.filter((b) => b !== null);
    if (boxes.length === 0)
        return null;
    return {
        lo: [0, 1, 2].map((d) => Math.min(...boxes.map((b) => b.lo[d]))),
        hi: [0, 1, 2].map((d) => Math.max(...boxes.map((b) => b.hi[d]))),
    };
}
/** Bounding box of the target's foreground in output `key`'s blend so far (voxels no window covered are left out). */
function foreground(blender, key, t, padded) {
    const { channels, weightSum } = blender.raw(key);
    const all = [...channels.keys()].sort((a, b) => a - b).map((c) => channels.get(c));
    const own = t.channels.map((c) => {
        const data = channels.get(c);
        if (!data)
            throw new UnisegError('MODEL_TENSOR_MISMATCH', `output ${key} has no channel ${c}`, { key, channel: c });
        return data;
    });
    const logit = Math.log(t.threshold / (1 - t.threshold));
    const bounds = new Bounds();
    let v = 0;
    for (let a = 0; a < padded[0]; a++) {
        for (let b = 0; b < padded[1]; b++) {
            for (let c = 0; c < padded[2]; c++, v++) {
                const w = weightSum[v];
                if (!(w > 0))
                    continue;
                let on = false;
                if (t.activation === 'softmax') {
                    // The weight sum divides every channel alike, so the argmax of the sums is the blend's.
                    let top = -Infinity;
                    let best = null;
                    for (const ch of all) {
                        if (ch[v] > top) {
                            top = ch[v];
                            best = ch;
                        }
                    }
                    on = best !== null && own.includes(best);
                }
                else {
                    for (const ch of own)
                        if (ch[v] > logit * w)
                            on = true;
                }
                if (on)
                    bounds.add(a, b, c);
            }
        }
    }
    return bounds.box();
}
function grow(box, margin, padded) {
    return {
        lo: box.lo.map((v) => Math.max(0, v - margin)),
        hi: box.hi.map((v, d) => Math.min(padded[d], v + margin)),
    };
}
function whole(padded) {
    return { lo: [0, 0, 0], hi: padded };
}
function touches(corner, roi, box) {
    return corner.every((v, d) => v < box.hi[d] && v + roi[d] > box.lo[d]);
}
/** 1 inside any of the boxes, over the padded grid. */
function boxMask(boxes, padded) {
    const mask = new Uint8Array(padded[0] * padded[1] * padded[2]);
    for (const { lo, hi } of boxes) {
        for (let a = lo[0]; a < hi[0]; a++) {
            for (let b = lo[1]; b < hi[1]; b++)
                mask.fill(1, (a * padded[1] + b) * padded[2] + lo[2], (a * padded[1] + b) * padded[2] + hi[2]);
        }
    }
    return mask;
}
/**
 * The fewest of an axis's window starts that still cover it: the first, then each time the
 * furthest start that leaves no gap, and the last. With overlap 0.5 that is every other start.
 */
export function coveringStarts(starts, roi, size) {
    const picked = [starts[0]];
    while (picked[picked.length - 1] + roi < size) {
        const end = picked[picked.length - 1] + roi;
        const next = starts.filter((s) => s <= end).pop();
        if (next === picked[picked.length - 1])
            break;
        picked.push(next);
    }
    return new Set(picked);
}
