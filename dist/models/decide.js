/**
 * Back to the input grid, in one pass: every probability channel is interpolated (trilinear, world
 * coordinates, edge-clamped) at each input voxel once, then each prompt's mask is decided there
 * (argmax for softmax, threshold for sigmoid) and the merged label map takes, where prompts
 * overlap, the prompt ranked first by the package's merge priority, then the most probable. Fusing the steps means no full-resolution
 * float copy per channel is ever held, which matters for 512x512x400 inputs.
 *
 * When the grids are axis-aligned (they differ by spacing, flips or axis order: the usual case),
 * each output row reads one source line per channel: the line is blended once over the two source
 * axes fixed along the row, then every voxel of the row interpolates along it with two reads.
 */
import { invertAffine, multiplyAffine } from "../volume/affine.js";
/** The prompts' rules as flat arrays, so the per-voxel loop reads numbers, not objects. */
class DecisionTable {
    count;
    start;
    channel;
    value;
    softmax;
    threshold;
    rank;
    constructor(prompts) {
        this.count = prompts.length;
        this.start = new Int32Array(prompts.length + 1);
        prompts.forEach((p, i) => (this.start[i + 1] = this.start[i] + p.candidates.length));
        this.channel = Int32Array.from(prompts.flatMap((p) => p.candidates));
        this.value = Int32Array.from(prompts.flatMap((p) => p.values));
        this.softmax = Uint8Array.from(prompts.map((p) => (p.activation === 'softmax' ? 1 : 0)));
        this.threshold = Float64Array.from(prompts.map((p) => p.threshold));
        this.rank = Float64Array.from(prompts.map((p) => p.rank));
    }
}
export function decideOnGrid(source, target, channels, prompts) {
    const [tx, ty, tz] = target.shape;
    const total = tx * ty * tz;
    const m = multiplyAffine(invertAffine(source.affine), target.affine);
    const table = new DecisionTable(prompts);
    const masks = prompts.map((p) => (Math.max(...p.values) > 255 ? new Uint16Array(total) : new Uint8Array(total)));
    const probabilities = prompts.map((p) => (p.keepProbability ? new Float32Array(total) : undefined));
    const voxels = new Float64Array(prompts.length);
    // One prompt whose labels are all 1: the merged map equals its mask, so they share one array
    // (saves a full-size label map, 105 MB at 512x512x400).
    const shareMerged = prompts.length === 1 && prompts[0].values.every((v) => v <= 1);
    const merged = shareMerged ? masks[0] : prompts.length > 255 ? new Uint16Array(total) : new Uint8Array(total);
    const contested = prompts.map(() => prompts.map(() => 0));
    const values = new Float64Array(channels.length);
    const probability = new Float64Array(prompts.length);
    const label = new Int32Array(prompts.length);
    const sampler = axisTables(m, source.shape, target.shape);
    const decide = (v) => {
        let best = 0;
        let bestScore = -1;
        let bestRank = Infinity;
        let on = 0;
        for (let p = 0; p < table.count; p++) {
            let chosen = 0;
            let prob = 0;
            const end = table.start[p + 1];
            if (table.softmax[p]) {
                let top = -Infinity;
                for (let q = table.start[p]; q < end; q++) {
                    const x = values[table.channel[q]];
                    const lab = table.value[q];
                    if (x > top) {
                        top = x;
                        chosen = lab;
                    }
                    if (lab > 0 && x > prob)
                        prob = x;
                }
            }
            else {
                let top = table.threshold[p];
                for (let q = table.start[p]; q < end; q++) {
                    const x = values[table.channel[q]];
                    if (x > prob)
                        prob = x;
                    if (x > top) {
                        top = x;
                        chosen = table.value[q];
                    }
                }
            }
            masks[p][v] = chosen;
            label[p] = chosen;
            probability[p] = prob;
            const keep = probabilities[p];
            if (keep)
                keep[v] = prob;
            if (chosen > 0) {
                on++;
                voxels[p]++;
                const rank = table.rank[p];
                if (rank < bestRank || (rank === bestRank && prob > bestScore)) {
                    bestRank = rank;
                    bestScore = prob;
                    best = p + 1;
                }
            }
        }
        if (!shareMerged)
            merged[v] = best;
        if (on > 1) {
            for (let a = 0; a < table.count; a++) {
                if (label[a] === 0)
                    continue;
                for (let b = a + 1; b < table.count; b++)
                    if (label[b] > 0)
                        contested[a][b]++;
            }
        }
    };
    if (sampler)
        alignedPass(sampler, source.shape, target.shape, channels, values, decide);
    else
        generalPass(m, source.shape, target.shape, channels, values, decide);
    return {
        prompts: prompts.map((_, p) => ({ mask: masks[p], voxels: voxels[p], ...(probabilities[p] ? { probability: probabilities[p] } : {}) })),
        merged,
        contested,
    };
}
/** Tables when each source axis is driven by exactly one target axis; null for oblique grids. */
function axisTables(m, sourceShape, targetShape) {
    const eps = 1e-12;
    const tables = [];
    const usedSource = new Set();
    for (let t = 0; t < 3; t++) {
        const drivers = [0, 1, 2].filter((s) => Math.abs(m[s][t]) > eps);
        if (drivers.length !== 1 || usedSource.has(drivers[0]))
            return null;
        const s = drivers[0];
        usedSource.add(s);
        const n = targetShape[t];
        const max = sourceShape[s] - 1;
        const lo = new Int32Array(n);
        const hi = new Int32Array(n);
        const w = new Float64Array(n);
        for (let idx = 0; idx < n; idx++) {
            const c = clamp(m[s][t] * idx + m[s][3], max);
            lo[idx] = Math.floor(c);
            w[idx] = c - lo[idx];
            hi[idx] = lo[idx] + (w[idx] > 0 ? 1 : 0);
        }
        tables.push({ source: s, lo, hi, w });
    }
    return tables;
}
function alignedPass(tables, sourceShape, targetShape, channels, values, decide) {
    const [tx, ty, tz] = targetShape;
    const stride = [1, sourceShape[0], sourceShape[0] * sourceShape[1]];
    const [ti, tj, tk] = tables;
    const lineLength = sourceShape[ti.source];
    const lineStride = stride[ti.source];
    const jStride = stride[tj.source];
    const kStride = stride[tk.source];
    const line = new Float64Array(channels.length * lineLength);
    let v = 0;
    for (let k = 0; k < tz; k++) {
        const k0 = tk.lo[k] * kStride;
        const k1 = tk.hi[k] * kStride;
        const wk = tk.w[k];
        for (let j = 0; j < ty; j++) {
            const j0 = tj.lo[j] * jStride;
            const j1 = tj.hi[j] * jStride;
            const wj = tj.w[j];
            const w00 = (1 - wj) * (1 - wk);
            const w10 = wj * (1 - wk);
            const w01 = (1 - wj) * wk;
            const w11 = wj * wk;
            const b00 = j0 + k0;
            const b10 = j1 + k0;
            const b01 = j0 + k1;
            const b11 = j1 + k1;
            for (let c = 0; c < channels.length; c++) {
                const d = channels[c];
                const out = c * lineLength;
                for (let x = 0, o = 0; x < lineLength; x++, o += lineStride) {
                    line[out + x] = w00 * d[b00 + o] + w10 * d[b10 + o] + w01 * d[b01 + o] + w11 * d[b11 + o];
                }
            }
            for (let i = 0; i < tx; i++, v++) {
                const lo = ti.lo[i];
                const hi = ti.hi[i];
                const wi = ti.w[i];
                for (let c = 0, out = 0; c < channels.length; c++, out += lineLength) {
                    values[c] = (1 - wi) * line[out + lo] + wi * line[out + hi];
                }
                decide(v);
            }
        }
    }
}
function generalPass(m, sourceShape, targetShape, channels, values, decide) {
    const [sx, sy, sz] = sourceShape;
    const [tx, ty, tz] = targetShape;
    const sxy = sx * sy;
    let v = 0;
    for (let k = 0; k < tz; k++) {
        for (let j = 0; j < ty; j++) {
            for (let i = 0; i < tx; i++, v++) {
                // Fractional source index of this target voxel centre, clamped to the source grid (edge).
                const fx = clamp(m[0][0] * i + m[0][1] * j + m[0][2] * k + m[0][3], sx - 1);
                const fy = clamp(m[1][0] * i + m[1][1] * j + m[1][2] * k + m[1][3], sy - 1);
                const fz = clamp(m[2][0] * i + m[2][1] * j + m[2][2] * k + m[2][3], sz - 1);
                const x0 = Math.floor(fx);
                const y0 = Math.floor(fy);
                const z0 = Math.floor(fz);
                const dx = fx - x0;
                const dy = fy - y0;
                const dz = fz - z0;
                const x1 = x0 + (dx > 0 ? 1 : 0);
                const y1 = (y0 + (dy > 0 ? 1 : 0)) * sx;
                const z1 = (z0 + (dz > 0 ? 1 : 0)) * sxy;
                const yb = y0 * sx;
                const zb = z0 * sxy;
                for (let c = 0; c < channels.length; c++) {
                    const d = channels[c];
                    const c00 = (1 - dx) * d[x0 + yb + zb] + dx * d[x1 + yb + zb];
                    const c10 = (1 - dx) * d[x0 + y1 + zb] + dx * d[x1 + y1 + zb];
                    const c01 = (1 - dx) * d[x0 + yb + z1] + dx * d[x1 + yb + z1];
                    const c11 = (1 - dx) * d[x0 + y1 + z1] + dx * d[x1 + y1 + z1];
                    values[c] = (1 - dz) * ((1 - dy) * c00 + dy * c10) + dz * ((1 - dy) * c01 + dy * c11);
                }
                decide(v);
            }
        }
    }
}
function clamp(x, max) {
    return x < 0 ? 0 : x > max ? max : x;
}
