import { resampleToGrid } from "../../volume/resample.js";
import { makeVolume } from "../../volume/volume.js";
import { fma } from "./fma.js";
/** torch.linspace(-1, 1, n) in float64 on the CPU, to the bit. */
export function torchLinspace(n) {
    const out = new Float64Array(n);
    if (n === 1) {
        out[0] = -1;
        return out;
    }
    const start = -1;
    const end = 1;
    const step = (end - start) / (n - 1);
    const halfway = Math.floor(n / 2);
    const scalar = (i) => (i < halfway ? fma(step, i, start) : fma(-step, n - i - 1, end));
    let i = 0;
    // Two 4-lane vectors per step: lane l is base + l·step, rounded twice.
    for (; i <= n - 8; i += 8) {
        for (const c of [i, i + 4]) {
            const base = scalar(c);
            for (let l = 0; l < 4; l++)
                out[c + l] = l === 0 ? base : base + l * step;
        }
    }
    for (; i < n; i++)
        out[i] = scalar(i);
    return out;
}
/**
 * MONAI's source index (in source voxels, clipped as border padding clips) for each target index
 * along one axis: `nSrc` voxels of `srcSpacing` resampled to `nDst` of `dstSpacing`, first voxel
 * centres aligned.
 */
export function monaiAxisCoordinates(nSrc, nDst, srcSpacing, dstSpacing) {
    const recip = 1 / srcSpacing;
    const target = srcSpacing * recip * dstSpacing;
    const ratio = target * recip;
    const s = 2 / nSrc;
    const sShift = 1 / nSrc - 1;
    const d = 2 / nDst;
    const dInv = 1 / d;
    const dInvShift = -(1 / nDst - 1) * dInv;
    const sx = s * ratio;
    const scale = sx * dInv;
    const shift = sx * dInvShift + sShift;
    const lin = torchLinspace(nDst);
    const out = new Float64Array(nDst);
    for (let i = 0; i < nDst; i++) {
        const base = (lin[i] * (nDst - 1)) / nDst;
        const g = base * scale + shift;
        const c = ((g + 1) * nSrc - 1) / 2;
        out[i] = Math.min(nSrc - 1, Math.max(0, c));
    }
    return out;
}
function taps(coords) {
    const lo = new Int32Array(coords.length);
    const wLo = new Float64Array(coords.length);
    const wHi = new Float64Array(coords.length);
    coords.forEach((c, i) => {
        lo[i] = Math.floor(c);
        wLo[i] = lo[i] + 1 - c;
        wHi[i] = c - lo[i];
    });
    return { lo, wLo, wHi };
}
/**
 * 1 where MONAI's Spacing output is nonzero. `srcSpacing` is the CT's voxel size along each axis
 * after orientation (the grid must be axis-aligned with the same first voxel centre).
 */
export function monaiNonzero(ct, srcSpacing, grid, dstSpacing) {
    const [nx, ny, nz] = ct.shape;
    const [ox, oy, oz] = grid.shape;
    // grid_sample's x, y, z are the array's last, middle and first axis: weights multiply k·j·i.
    const ti = taps(monaiAxisCoordinates(nx, ox, srcSpacing[0], dstSpacing[0]));
    const tj = taps(monaiAxisCoordinates(ny, oy, srcSpacing[1], dstSpacing[1]));
    const tk = taps(monaiAxisCoordinates(nz, oz, srcSpacing[2], dstSpacing[2]));
    const src = ct.data;
    const sy = nx;
    const sz = nx * ny;
    const out = new Uint8Array(ox * oy * oz);
    for (let c = 0; c < oz; c++) {
        const k0 = tk.lo[c];
        const k1ok = k0 + 1 < nz;
        const wk0 = tk.wLo[c];
        const wk1 = tk.wHi[c];
        for (let b = 0; b < oy; b++) {
            const j0 = tj.lo[b];
            const j1ok = j0 + 1 < ny;
            const wj0 = tj.wLo[b];
            const wj1 = tj.wHi[b];
            let o = ox * (b + oy * c);
            for (let a = 0; a < ox; a++, o++) {
                const i0 = ti.lo[a];
                const i1ok = i0 + 1 < nx;
                const wi0 = ti.wLo[a];
                const wi1 = ti.wHi[a];
                const p = i0 + sy * j0 + sz * k0;
                // tnw, tne, tsw, tse, bnw, bne, bsw, bse: t/b step i, n/s step j, w/e step k.
                let sum = 0;
                sum += src[p] * ((wk0 * wj0) * wi0);
                if (k1ok)
                    sum += src[p + sz] * ((wk1 * wj0) * wi0);
                if (j1ok)
                    sum += src[p + sy] * ((wk0 * wj1) * wi0);
                if (j1ok && k1ok)
                    sum += src[p + sy + sz] * ((wk1 * wj1) * wi0);
                if (i1ok) {
                    sum += src[p + 1] * ((wk0 * wj0) * wi1);
                    if (k1ok)
                        sum += src[p + 1 + sz] * ((wk1 * wj0) * wi1);
                    if (j1ok)
                        sum += src[p + 1 + sy] * ((wk0 * wj1) * wi1);
                    if (j1ok && k1ok)
                        sum += src[p + 1 + sy + sz] * ((wk1 * wj1) * wi1);
                }
                out[o] = Math.fround(sum) !== 0 ? 1 : 0;
            }
        }
    }
    return out;
}
/**
 * The fallback for grids that are not axis-aligned: voxels with a nonzero CT voxel within one voxel
 * of their trilinear support. A superset of MONAI's set: it also counts voxels where the rounding
 * happens to be exact.
 */
export function nonzeroSupport(ct, grid) {
    const near = dilateNonzero(ct);
    const support = resampleToGrid(makeVolume(near, ct.shape, ct.affine), grid, { mode: 'linear', outside: 'edge' }).data;
    return Uint8Array.from(support, (v) => (v > 0 ? 1 : 0));
}
/** 1 where the CT has a nonzero voxel in the 3x3x3 block around, else 0 (separable max, axis by axis). */
function dilateNonzero(ct) {
    const [nx, ny] = ct.shape;
    let cur = Float32Array.from(ct.data, (v) => (v !== 0 ? 1 : 0));
    const strides = [1, nx, nx * ny];
    for (let axis = 0; axis < 3; axis++) {
        const next = new Float32Array(cur.length);
        const n = ct.shape[axis];
        const step = strides[axis];
        for (let v = 0; v < cur.length; v++) {
            const i = Math.floor(v / step) % n;
            next[v] = cur[v] || (i > 0 && cur[v - step]) || (i < n - 1 && cur[v + step]) ? 1 : 0;
        }
        cur = next;
    }
    return cur;
}
