/**
 * Where the body is, on the model grid, so windows that hold only air can be left out. A voxel is
 * body when its CT value (HU, after resampling to the model grid, before intensity scaling) is
 * above AIR_HU; a window runs when any body voxel lies inside it or within AIR_MARGIN voxels of it.
 *
 * AIR_HU is -900 rather than the usual -500 body threshold because lung parenchyma lies between
 * -900 and -700 HU: a window inside the lungs must never count as outside the body. Room air and
 * scanner padding (-1000, -1024) stay below it even with noise, since the model grid averages
 * several CT voxels.
 */
import type { Triple } from './windows.ts';

export const AIR_HU = -900;
/** Model-grid voxels around a window that are looked at too (9 mm at 3 mm spacing). */
export const AIR_MARGIN = 3;

/** 1 where the HU value is above AIR_HU (same order and length as `hu`). */
export function bodyMask(hu: Float32Array): Uint8Array {
  const out = new Uint8Array(hu.length);
  for (let i = 0; i < hu.length; i++) out[i] = hu[i] > AIR_HU ? 1 : 0;
  return out;
}

/**
 * Counts body voxels in any box of the padded tensor grid in O(1), from a summed-volume table
 * (padding is never body).
 */
export class BodyIndex {
  private readonly table: Int32Array;
  private readonly s1: number;
  private readonly s2: number;
  readonly total: number;

  constructor(
    body: Uint8Array,
    dims: Triple,
    private readonly padded: Triple,
    padBefore: Triple,
  ) {
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
  count(lo: Triple, hi: Triple): number {
    const l = lo.map((v, d) => Math.min(Math.max(v, 0), this.padded[d]));
    const h = hi.map((v, d) => Math.min(Math.max(v, 0), this.padded[d]));
    if (h[0] <= l[0] || h[1] <= l[1] || h[2] <= l[2]) return 0;
    const at = (a: number, b: number, c: number) => this.table[a * this.s1 + b * this.s2 + c];
    return (
      at(h[0], h[1], h[2]) -
      at(l[0], h[1], h[2]) -
      at(h[0], l[1], h[2]) -
      at(h[0], h[1], l[2]) +
      at(l[0], l[1], h[2]) +
      at(l[0], h[1], l[2]) +
      at(h[0], l[1], l[2]) -
      at(l[0], l[1], l[2])
    );
  }

  /** Whether a window at `corner` (with AIR_MARGIN around it) holds any body voxel. */
  windowHasBody(corner: Triple, roi: Triple): boolean {
    const lo = corner.map((v) => v - AIR_MARGIN) as unknown as Triple;
    const hi = corner.map((v, d) => v + roi[d] + AIR_MARGIN) as unknown as Triple;
    return this.count(lo, hi) > 0;
  }
}
