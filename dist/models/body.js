export const AIR_HU = -900;
/** Model-grid voxels around a window that are looked at too (9 mm at 3 mm spacing). */
export const AIR_MARGIN = 3;
/** 1 where the HU value is above AIR_HU (same order and length as `hu`). */
export function bodyMask(hu) {
    const out = new Uint8Array(hu.length);
    for (let i = 0; i < hu.length; i++)
        out[i] = hu[i] > AIR_HU ? 1 : 0;
    return out;
}
/**
 * Counts body voxels in any box of the padded tensor grid in O(1), from a summed-volume table
 * (padding is never body).
 */
export class BodyIndex {
    padded;
    table;
    s1;
    s2;
    total;
    constructor(body, dims, padded, padBefore) {
        this.padded = padded;
        const [P0, P1, P2] = padded;
        this.s2 = P2 + 1;
        this.s1 = (P1 + 1) * this.s2;
        const t = new Int32Array((P0 + 1) * this.s1);
        for (let a = 1; a <= P0; a++) {
            const x = a - 1 - padBefore[0];
            for (let b = 1; b <= P1; b++) {
                const y = b - 1 - padBefore[1];
                let row = 0;
                for (let c = 1; c <= P2; c++) {
                    const z = c - 1 - padBefore[2];
                    const inside = x >= 0 && x < dims[0] && y >= 0 && y < dims[1] && z >= 0 && z < dims[2];
                    row += inside ? body[(x * dims[1] + y) * dims[2] + z] : 0;
                    const i = a * this.s1 + b * this.s2 + c;
                    // Rows along c are summed above; add the planes already summed along a and b.
                    t[i] = row + t[i - this.s1] + t[i - this.s2] - t[i - this.s1 - this.s2];
                }
            }
        }
        this.table = t;
        this.total = t[t.length - 1];
    }
    /** Body voxels in [lo, hi) (padded coordinates, clamped to the grid). */
    count(lo, hi) {
        const l = lo.map((v, d) => Math.min(Math.max(v, 0), this.padded[d]));
        const h = hi.map((v, d) => Math.min(Math.max(v, 0), this.padded[d]));
        if (h[0] <= l[0] || h[1] <= l[1] || h[2] <= l[2])
            return 0;
        const at = (a, b, c) => this.table[a * this.s1 + b * this.s2 + c];
        return (at(h[0], h[1], h[2]) -
            at(l[0], h[1], h[2]) -
            at(h[0], l[1], h[2]) -
            at(h[0], h[1], l[2]) +
            at(l[0], l[1], h[2]) +
            at(l[0], h[1], l[2]) +
            at(h[0], l[1], l[2]) -
            at(l[0], l[1], l[2]));
    }
    /** Whether a window at `corner` (with AIR_MARGIN around it) holds any body voxel. */
    windowHasBody(corner, roi) {
        const lo = corner.map((v) => v - AIR_MARGIN);
        const hi = corner.map((v, d) => v + roi[d] + AIR_MARGIN);
        return this.count(lo, hi) > 0;
    }
}
