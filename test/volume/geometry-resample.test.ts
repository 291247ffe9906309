import { describe, expect, it } from 'vitest';
import { invertAffine, multiplyAffine, voxelToWorld } from '../../src/volume/affine.ts';
import { gridOf, sameGrid, spacingGrid, type Grid } from '../../src/volume/grid.ts';
import { reorient } from '../../src/volume/reorient.ts';
import { resampleToGrid, resampleToSpacing } from '../../src/volume/resample.ts';
import { makeVolume } from '../../src/volume/volume.ts';
import { isUnisegError } from '../../src/errors.ts';
import type { Affine, Shape3, Spacing3, Volume, VoxelArray } from '../../src/volume/types.ts';

const deg = Math.PI / 180;

function diagAffine(spacing: Spacing3, signs: [number, number, number], origin: [number, number, number]): Affine {
  return [
    [spacing[0] * signs[0], 0, 0, origin[0]],
    [0, spacing[1] * signs[1], 0, origin[1]],
    [0, 0, spacing[2] * signs[2], origin[2]],
    [0, 0, 0, 1],
  ];
}

/** Rotates a grid's axes by `degrees` about world z through its first voxel. */
function rotateZ(affine: Affine, degrees: number): Affine {
  const c = Math.cos(degrees * deg);
  const s = Math.sin(degrees * deg);
  const rot: Affine = [[c, -s, 0, 0], [s, c, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
  const out = multiplyAffine(rot, affine.map((row, r) => row.map((v, col) => (col === 3 && r < 3 ? 0 : v))));
  for (let r = 0; r < 3; r++) out[r][3] = affine[r][3];
  return out;
}

/** Fills a grid with f(world position of each voxel centre). */
function fromWorld<T extends VoxelArray>(Ctor: new (n: number) => T, shape: Shape3, affine: Affine, f: (x: number, y: number, z: number) => number): Volume<T> {
  const data = new Ctor(shape[0] * shape[1] * shape[2]);
  let n = 0;
  for (let k = 0; k < shape[2]; k++) {
    for (let j = 0; j < shape[1]; j++) {
      for (let i = 0; i < shape[0]; i++) {
        const [x, y, z] = voxelToWorld(affine, [i, j, k]);
        data[n++] = f(x, y, z);
      }
    }
  }
  return makeVolume(data, shape, affine);
}

/** Visits every voxel of `grid` whose centre maps inside [0, n-1] of `source` on all axes. */
function forEachInterior(source: Volume, grid: Grid, visit: (n: number, world: readonly number[]) => void): number {
  const m = multiplyAffine(invertAffine(source.affine), grid.affine);
  let count = 0;
  let n = 0;
  for (let k = 0; k < grid.shape[2]; k++) {
    for (let j = 0; j < grid.shape[1]; j++) {
      for (let i = 0; i < grid.shape[0]; i++, n++) {
        const s = voxelToWorld(m, [i, j, k]);
        if (s.every((v, c) => v >= 0 && v <= source.shape[c] - 1)) {
          visit(n, voxelToWorld(grid.affine, [i, j, k]));
          count++;
        }
      }
    }
  }
  return count;
}

const ramp = (x: number, y: number, z: number) => 0.01 * x - 0.004 * y + 0.002 * z + 0.5;

describe('resampleToGrid, linear', () => {
  const source = fromWorld(Float32Array, [30, 26, 14], diagAffine([0.9, 1.1, 2], [-1, -1, 1], [14, 12, -10]), ramp);

  const targets: [string, Grid][] = [
    ['1.5 mm, same directions', spacingGrid(gridOf(source), [1.5, 1.5, 1.5])],
    ['RAS 1.2 mm (flipped axes)', { shape: [22, 22, 20], affine: diagAffine([1.2, 1.2, 1.2], [1, 1, 1], [-13, -16, -10]) }],
    ['PIR (permuted axes)', { shape: [20, 18, 22], affine: [[0, 0, 1.1, -13], [-1.3, 0, 0, 10], [0, -1.4, 0, 14], [0, 0, 0, 1]] }],
    ['rotated 20 deg about z', { shape: [24, 24, 16], affine: rotateZ(diagAffine([1, 1, 1.5], [1, 1, 1], [-8, -16, -9]), 20) }],
  ];
  for (const [name, grid] of targets) {
    it(`keeps a world-space ramp on a ${name} grid`, () => {
      const out = resampleToGrid(source, grid, { mode: 'linear' });
      expect(out.data).toBeInstanceOf(Float32Array);
      expect(out.shape).toEqual(grid.shape);
      let worst = 0;
      const inside = forEachInterior(source, grid, (n, [x, y, z]) => {
        worst = Math.max(worst, Math.abs(out.data[n] - ramp(x, y, z)));
      });
      expect(inside).toBeGreaterThan(grid.shape[0] * grid.shape[1] * grid.shape[2] * 0.2);
      expect(worst).toBeLessThan(1e-4);
    });
  }

  it('gives the same answer on the aligned and the general (rotated) path', () => {
    const data = Int16Array.from({ length: 30 * 26 * 14 }, (_, i) => ((i * 7919) % 2001) - 1000);
    const noisy = makeVolume(data, source.shape, source.affine);
    const aligned = spacingGrid(gridOf(source), [1.3, 0.7, 1.6]);
    // A rotation of 1e-9 degrees is invisible in the values but forces the general kernel.
    const general = { shape: aligned.shape, affine: rotateZ(aligned.affine, 1e-9) };
    for (const outside of ['edge', -5] as const) {
      const a = resampleToGrid(noisy, { shape: [40, 40, 20], affine: aligned.affine }, { mode: 'linear', outside });
      const b = resampleToGrid(noisy, { shape: [40, 40, 20], affine: general.affine }, { mode: 'linear', outside });
      let worst = 0;
      for (let n = 0; n < a.data.length; n++) worst = Math.max(worst, Math.abs(a.data[n] - b.data[n]));
      expect(worst).toBeLessThan(1e-3);
    }
  });

  it('fills outside the source field of view with a number, clamps with edge', () => {
    const v = makeVolume(Float32Array.from([1, 2, 3, 4]), [4, 1, 1], diagAffine([1, 1, 1], [1, 1, 1], [0, 0, 0]));
    // Target centres at x = -1, -0.5, 0, ..., 4: the source field of view is [-0.5, 3.5].
    const grid = { shape: [11, 1, 1] as const, affine: diagAffine([0.5, 1, 1], [1, 1, 1], [-1, 0, 0]) };
    const filled = resampleToGrid(v, grid, { mode: 'linear', outside: -1 });
    expect(Array.from(filled.data)).toEqual([-1, 1, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4, -1]);
    const edge = resampleToGrid(v, grid, { mode: 'linear' });
    expect(Array.from(edge.data)).toEqual([1, 1, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4, 4]);
    const nearest = resampleToGrid(v, grid, { mode: 'nearest', outside: 0 });
    expect(Array.from(nearest.data)).toEqual([0, 1, 1, 2, 2, 3, 3, 4, 4, 4, 0]);
  });

  it('handles single-voxel axes (a 2D slice)', () => {
    const v = fromWorld(Float32Array, [20, 20, 1], diagAffine([1, 1, 3], [1, 1, 1], [0, 0, 0]), ramp);
    const out = resampleToSpacing(v, [0.5, 2, 1], { mode: 'linear' });
    expect(out.shape).toEqual([40, 10, 3]);
    let worst = 0;
    forEachInterior(v, out, (n, [x, y]) => (worst = Math.max(worst, Math.abs(out.data[n] - ramp(x, y, 0)))));
    expect(worst).toBeLessThan(1e-4);
  });
});

describe('round trips land on the input grid', () => {
  const inputs: [string, Affine, Shape3][] = [
    ['RAS', diagAffine([0.8, 0.8, 1], [1, 1, 1], [-20, -30, -10]), [50, 40, 30]],
    ['LPS', diagAffine([0.7, 0.7, 1.25], [-1, -1, 1], [18, 15, -12]), [48, 44, 27]],
    ['anisotropic (2.5, 2.5, 4) LAS', diagAffine([2.5, 2.5, 4], [-1, 1, 1], [30, -40, -20]), [25, 31, 11]],
  ];
  for (const [name, affine, shape] of inputs) {
    it(`${name}: resampleToGrid(resampleToSpacing(v)) has v's grid exactly`, () => {
      const v = fromWorld(Int16Array, shape, affine, (x, y, z) => Math.round(100 * ramp(x, y, z)));
      const there = resampleToSpacing(v, [1.5, 1.5, 1.5], { mode: 'linear' });
      const back = resampleToGrid(there, gridOf(v), { mode: 'linear' });
      expect(back.shape).toEqual(v.shape);
      expect(back.affine).toEqual(v.affine);
    });

    it(`${name}: reorient + resample + inverse returns to the input grid`, () => {
      const v = fromWorld(Int16Array, shape, affine, (x, y, z) => Math.round(100 * ramp(x, y, z)));
      const ras = reorient(v, 'RAS');
      const model = resampleToSpacing(ras, [1.5, 1.5, 1.5], { mode: 'linear' });
      const back = reorient(resampleToGrid(model, gridOf(ras), { mode: 'linear' }), v.orientation);
      expect(back.shape).toEqual(v.shape);
      expect(sameGrid(back, v, 1e-9)).toBe(true);
      expect(back.orientation).toEqual(v.orientation);
      // Values: a linear ramp survives linear interpolation exactly, so away from the borders
      // (where the edge clamp bends it) only the int16 rounding of the source, <= 0.5, remains.
      const margin = 5; // mm: half a 4 mm source voxel + one 1.5 mm model voxel + centring shift
      let worst = 0;
      let checked = 0;
      for (let n = 0; n < back.data.length; n++) {
        const ijk = [n % shape[0], Math.floor(n / shape[0]) % shape[1], Math.floor(n / (shape[0] * shape[1]))];
        if (ijk.some((i, c) => Math.min(i, shape[c] - 1 - i) * v.spacing[c] < margin)) continue;
        const [x, y, z] = voxelToWorld(v.affine, ijk as unknown as Shape3);
        worst = Math.max(worst, Math.abs(back.data[n] - 100 * ramp(x, y, z)));
        checked++;
      }
      expect(checked).toBeGreaterThan(100);
      expect(worst).toBeLessThan(0.5 + 1e-3);
    });
  }
});

describe('nearest for labels', () => {
  function ellipsoid(spacing: Spacing3, origin: [number, number, number], signs: [number, number, number] = [1, 1, 1]): Volume<Uint8Array> {
    const fov = [150, 110, 130];
    const shape = [0, 1, 2].map((a) => Math.round(fov[a] / spacing[a])) as unknown as Shape3;
    const affine = diagAffine(spacing, signs, origin);
    // Semi-axes 60 x 40 x 50 mm, about organ size, centred off-grid at (3.3, -2.1, 1.7).
    return fromWorld(Uint8Array, shape, affine, (x, y, z) =>
      ((x - 3.3) / 60) ** 2 + ((y + 2.1) / 40) ** 2 + ((z - 1.7) / 50) ** 2 <= 1 ? 5 : 0,
    );
  }
  function dice(a: Uint8Array, b: Uint8Array): number {
    let both = 0;
    let sum = 0;
    for (let n = 0; n < a.length; n++) {
      const x = a[n] !== 0;
      const y = b[n] !== 0;
      if (x && y) both++;
      sum += (x ? 1 : 0) + (y ? 1 : 0);
    }
    return (2 * both) / sum;
  }
  const cases: [string, Volume<Uint8Array>, Spacing3][] = [
    ['1.5 mm LPS -> 1 x 1 x 2 mm', ellipsoid([1.5, 1.5, 1.5], [75, 55, -65], [-1, -1, 1]), [1, 1, 2]],
    ['3 mm -> 1.5 mm', ellipsoid([3, 3, 3], [-75, -55, -65]), [1.5, 1.5, 1.5]],
    ['1 mm -> 3 mm', ellipsoid([1, 1, 1], [-75, -55, -65]), [3, 3, 3]],
  ];
  for (const [name, v, spacing] of cases) {
    it(`keeps an organ-sized ellipsoid there and back (${name}), Dice >= 0.97`, () => {
      const there = resampleToSpacing(v, spacing, { mode: 'nearest' });
      expect(there.data).toBeInstanceOf(Uint8Array);
      const back = resampleToGrid(there, gridOf(v), { mode: 'nearest' });
      expect(back.shape).toEqual(v.shape);
      expect(dice(v.data, back.data)).toBeGreaterThanOrEqual(0.97);
    });
  }

  it('introduces no new label values, on aligned and rotated grids', () => {
    const labels = [0, 3, 7, 200];
    const data = Int16Array.from({ length: 20 * 18 * 9 }, (_, i) => labels[((i * 31) >> 3) % 4]);
    const v = makeVolume(data, [20, 18, 9], diagAffine([1, 1.2, 2.5], [-1, 1, 1], [0, 0, 0]));
    const grids: Grid[] = [
      spacingGrid(gridOf(v), [0.7, 1.9, 1.1]),
      { shape: [30, 30, 12], affine: rotateZ(diagAffine([0.9, 0.9, 2], [1, 1, 1], [-25, -5, -3]), 33) },
    ];
    for (const grid of grids) {
      for (const outside of ['edge', 7] as const) {
        const out = resampleToGrid(v, grid, { mode: 'nearest', outside });
        expect(out.data).toBeInstanceOf(Int16Array);
        expect([...new Set(out.data)].every((x) => labels.includes(x))).toBe(true);
      }
    }
  });

  it('returns the very same data on the same grid', () => {
    const v = ellipsoid([3, 3, 3], [-75, -55, -65]);
    expect(resampleToGrid(v, gridOf(v), { mode: 'nearest' }).data).toBe(v.data);
    expect(Array.from(resampleToGrid(v, gridOf(v), { mode: 'linear' }).data)).toEqual(Array.from(v.data));
  });
});

describe('resample options', () => {
  const v = makeVolume(new Uint8Array(8), [2, 2, 2], diagAffine([1, 1, 1], [1, 1, 1], [0, 0, 0]));
  const grid = spacingGrid(gridOf(v), [0.5, 0.5, 0.5]);
  const expectInvalid = (f: () => unknown, text: string) => {
    try {
      f();
      expect.unreachable();
    } catch (e) {
      expect(isUnisegError(e, 'INVALID_ARGUMENT')).toBe(true);
      expect((e as Error).message).toContain(text);
    }
  };
  it('rejects unknown modes, non-finite fills and fills the label type cannot hold', () => {
    expectInvalid(() => resampleToGrid(v, grid, { mode: 'cubic' as 'linear' }), 'cubic');
    expectInvalid(() => resampleToGrid(v, grid, { mode: 'linear', outside: Number.NaN }), 'NaN');
    expectInvalid(() => resampleToGrid(v, grid, { mode: 'nearest', outside: -1 }), '-1');
    expectInvalid(() => resampleToGrid(v, grid, { mode: 'nearest', outside: 0.5 }), '0.5');
    expectInvalid(() => resampleToGrid(v, { shape: [0, 2, 2], affine: grid.affine }, { mode: 'nearest' }), 'shape');
    expect(resampleToGrid(v, grid, { mode: 'nearest', outside: 255 }).data).toBeInstanceOf(Uint8Array);
  });
});
