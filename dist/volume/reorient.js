/**
 * Exact reorientation: axis permutations and flips of the voxel array, never interpolation.
 * The affine is updated so that every voxel keeps its world position, so a reoriented volume is
 * the same image, only stored in another order.
 */
import { UnisegError } from "../errors.js";
import { multiplyAffine, parseOrientation } from "./affine.js";
import { makeVolume } from "./volume.js";
const WORLD_AXIS = { R: 0, L: 0, A: 1, P: 1, S: 2, I: 2 };
export function reorientTransform(from, to) {
    const axes = [];
    const flips = [];
    for (let d = 0; d < 3; d++) {
        const input = from.findIndex((code) => WORLD_AXIS[code] === WORLD_AXIS[to[d]]);
        if (input < 0 || axes.includes(input)) {
            throw new UnisegError('INVALID_ARGUMENT', `cannot reorient from ${from.join('')} to ${to.join('')}: each must name R/L, A/P and S/I once`, {
                field: 'orientation',
                value: { from: from.join(''), to: to.join('') },
            });
        }
        axes.push(input);
        flips.push(from[input] !== to[d]);
    }
    return { axes: [axes[0], axes[1], axes[2]], flips: [flips[0], flips[1], flips[2]] };
}
/** The transform that undoes `t`: applying `t` and then `invertReorient(t)` restores the array exactly. */
export function invertReorient(t) {
    const axes = [0, 0, 0];
    const flips = [false, false, false];
    for (let d = 0; d < 3; d++) {
        axes[t.axes[d]] = d;
        flips[t.axes[d]] = t.flips[d];
    }
    return { axes: [axes[0], axes[1], axes[2]], flips: [flips[0], flips[1], flips[2]] };
}
export function isIdentityReorient(t) {
    return t.axes[0] === 0 && t.axes[1] === 1 && t.axes[2] === 2 && !t.flips[0] && !t.flips[1] && !t.flips[2];
}
/**
 * The grid `t` produces from `grid`: output index o maps to input index P·o + offset, so the
 * new affine is the old one times that integer matrix, and world positions are unchanged.
 */
export function reorientGrid(grid, t) {
    const step = [
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 1],
    ];
    for (let d = 0; d < 3; d++) {
        const a = t.axes[d];
        step[a][d] = t.flips[d] ? -1 : 1;
        step[a][3] = t.flips[d] ? grid.shape[a] - 1 : 0;
    }
    const shape = [grid.shape[t.axes[0]], grid.shape[t.axes[1]], grid.shape[t.axes[2]]];
    return { shape, affine: multiplyAffine(grid.affine, step) };
}
/** Applies `t` to a volume in one pass; the data keeps its typed-array type. Identity returns the input. */
export function applyReorient(volume, t) {
    if (isIdentityReorient(t))
        return volume;
    const { shape, affine } = reorientGrid(volume, t);
    const data = permuteData(volume.data, volume.shape, t);
    return makeVolume(data, shape, affine, volume.source);
}
/**
 * Reorients to `target` (codes or text such as "RAS"), exactly. Undo with
 * `reorient(result, original.orientation)`, which restores the data and the affine (to rounding).
 */
export function reorient(volume, target = 'RAS') {
    const to = typeof target === 'string' ? parseOrientation(target) : parseOrientation(target.join(''));
    return applyReorient(volume, reorientTransform(volume.orientation, to));
}
function permuteData(src, shape, t) {
    const out = new src.constructor(src.length);
    const strides = [1, shape[0], shape[0] * shape[1]];
    // Per output axis: its length, and the input step taken when it advances by one.
    const sizes = [shape[t.axes[0]], shape[t.axes[1]], shape[t.axes[2]]];
    const steps = [0, 0, 0];
    let start = 0;
    for (let d = 0; d < 3; d++) {
        const a = t.axes[d];
        steps[d] = t.flips[d] ? -strides[a] : strides[a];
        if (t.flips[d])
            start += (shape[a] - 1) * strides[a];
    }
    if (steps[0] === 1 || steps[0] === -1) {
        // Rows stay contiguous: copy them whole (memcpy) and reverse flipped ones in place, both
        // native and type-agnostic, instead of voxel by voxel.
        const n0 = sizes[0];
        const first = steps[0] === 1 ? 0 : n0 - 1;
        let o = 0;
        for (let k = 0; k < sizes[2]; k++) {
            for (let j = 0; j < sizes[1]; j++) {
                const p = start + k * steps[2] + j * steps[1] - first;
                out.set(src.subarray(p, p + n0), o);
                if (first !== 0)
                    out.subarray(o, o + n0).reverse();
                o += n0;
            }
        }
        return out;
    }
    // Output axis 0 is contiguous in the output; `near` is the output axis that walks input axis 0,
    // contiguous in the input. Tiling those two keeps both reads and writes inside cache lines.
    const near = t.axes.indexOf(0);
    const far = 3 - near;
    const outStrides = [1, sizes[0], sizes[0] * sizes[1]];
    copyTiled(bitsView(src), bitsView(out), start, sizes, steps, outStrides, near === 0 ? 1 : near, near === 0 ? 2 : far);
    return out;
}
export function bitsView(a) {
    switch (a.BYTES_PER_ELEMENT) {
        case 1:
            return new Uint8Array(a.buffer, a.byteOffset, a.length);
        case 2:
            return new Uint16Array(a.buffer, a.byteOffset, a.length);
        case 4:
            return new Uint32Array(a.buffer, a.byteOffset, a.length);
        default:
            return new Float64Array(a.buffer, a.byteOffset, a.length);
    }
}
const TILE = 64;
/**
 * Copies output axis 0 (innermost) against output axis `mid` in TILE x TILE blocks, with the
 * remaining axis `outer` outermost. Index arithmetic is integers only; no allocation.
 */
function copyTiled(src, out, start, sizes, steps, outStrides, mid, outer) {
    const n0 = sizes[0];
    const nMid = sizes[mid];
    const nOuter = sizes[outer];
    const step0 = steps[0];
    const stepMid = steps[mid];
    const stepOuter = steps[outer];
    const outMid = outStrides[mid];
    const outOuter = outStrides[outer];
    for (let c = 0; c < nOuter; c++) {
        for (let b0 = 0; b0 < nMid; b0 += TILE) {
            const bEnd = Math.min(b0 + TILE, nMid);
            for (let a0 = 0; a0 < n0; a0 += TILE) {
                const aEnd = Math.min(a0 + TILE, n0);
                for (let b = b0; b < bEnd; b++) {
                    let p = start + c * stepOuter + b * stepMid + a0 * step0;
                    let o = c * outOuter + b * outMid + a0;
                    for (let a = a0; a < aEnd; a++) {
                        out[o++] = src[p];
                        p += step0;
                    }
                }
            }
        }
    }
}
