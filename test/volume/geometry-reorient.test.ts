import { describe, expect, it } from 'vitest';
import { invertAffine, multiplyAffine, voxelToWorld } from '../../src/volume/affine.ts';
import { gridOf, sameGrid } from '../../src/volume/grid.ts';
import { applyReorient, invertReorient, reorient, reorientGrid, reorientTransform } from '../../src/volume/reorient.ts';
import { makeVolume } from '../../src/volume/volume.ts';
import { isUnisegError } from '../../src/errors.ts';
import type { Affine, AxisCode, Orientation, Volume, VoxelArray } from '../../src/volume/types.ts';

/** All 48 orientations: each ordering of the three world axes, each with either sign. */
function allOrientations(): Orientation[] {
  const pairs: [AxisCode, AxisCode][] = [['R', 'L'], ['A', 'P'], ['S', 'I']];
  const perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
  const out: Orientation[] = [];
  for (const p of perms) {
    for (let signs = 0; signs < 8; signs++) {
      out.push(p.map((axis, d) => pairs[axis][(signs >> d) & 1]) as unknown as Orientation);
    }
  }
  return out;
}

/** An LPS volume with anisotropic spacing, distinct values and an off-centre origin. */
function lpsVolume<T extends VoxelArray>(Ctor: new (n: number) => T, shape: [number, number, number] = [5, 6, 7]): Volume<T> {
  const data = new Ctor(shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 251;
  const affine: Affine = [[-0.7, 0, 0, 90.5], [0, -0.8, 0, 110.25], [0, 0, 2.5, -60], [0, 0, 0, 1]];
  return makeVolume(data, shape, affine);
}

/** Every voxel of `b` lies at an integer voxel of `a` with the same world position and value. */
function expectSameImage(a: Volume, b: Volume): void {
  expect(b.data.length).toBe(a.data.length);
  const m = multiplyAffine(invertAffine(a.affine), b.affine);
  const [bx, by] = b.shape;
  let offGrid = 0;
  let wrongValue = 0;
  for (let n = 0; n < b.data.length; n++) {
    const ijk = [n % bx, Math.floor(n / bx) % by, Math.floor(n / (bx * by))] as const;
    const src = voxelToWorld(m, ijk);
    const r = src.map(Math.round);
    if (src.some((x, c) => Math.abs(x - r[c]) > 1e-9)) offGrid++;
    if (b.data[n] !== a.data[r[0] + a.shape[0] * (r[1] + a.shape[1] * r[2])]) wrongValue++;
  }
  expect({ offGrid, wrongValue }).toEqual({ offGrid: 0, wrongValue: 0 });
}

describe('reorient', () => {
  it('moves LPS data to RAS keeping every voxel at its world position', () => {
    const v = lpsVolume(Int16Array);
    const r = reorient(v);
    expect(r.orientation.join('')).toBe('RAS');
    expect(r.data).toBeInstanceOf(Int16Array);
    expectSameImage(v, r);
    // The flipped axes' origin moves to the far corner of the old array.
    expect(voxelToWorld(r.affine, [0, 0, 0])).toEqual(voxelToWorld(v.affine, [4, 5, 0]));
  });

  it('returns the input itself when it is already in the target orientation', () => {
    const v = lpsVolume(Uint8Array);
    expect(reorient(v, 'LPS')).toBe(v);
    expect(reorient(v, ['L', 'P', 'S'])).toBe(v);
  });

  it('round-trips exactly through all 48 orientations from an LPS start', () => {
    const v = lpsVolume(Int16Array);
    const seen = new Set<string>();
    for (const target of allOrientations()) {
      const r = reorient(v, target);
      seen.add(target.join(''));
      expect(r.orientation).toEqual(target);
      expect(r.shape[0] * r.shape[1] * r.shape[2]).toBe(v.data.length);
      expectSameImage(v, r);
      const back = reorient(r, v.orientation);
      expect(back.data).toBeInstanceOf(Int16Array);
      expect(back.shape).toEqual(v.shape);
      expect(Array.from(back.data)).toEqual(Array.from(v.data));
      expect(sameGrid(back, v, 1e-9)).toBe(true);
    }
    expect(seen.size).toBe(48);
  });

  it('keeps every typed array type, including the contiguous-row and tiled copy paths', () => {
    const ctors = [Uint8Array, Int8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array];
    for (const Ctor of ctors) {
      const v = lpsVolume(Ctor as new (n: number) => VoxelArray, [70, 3, 66]);
      for (const target of ['LPI', 'RAS', 'SLP', 'PIR']) {
        const r = reorient(v, target);
        expect(r.data.constructor).toBe(Ctor);
        expectSameImage(v, r);
      }
    }
  });

  it('handles oblique volumes by their nibabel codes and undoes exactly', () => {
    const c = Math.cos((20 * Math.PI) / 180);
    const s = Math.sin((20 * Math.PI) / 180);
    const affine: Affine = [[-0.7 * c, 0, 2.5 * s, 4], [0, -0.8, 0, 5], [-0.7 * s, 0, 2.5 * c, 6], [0, 0, 0, 1]];
    const data = Float32Array.from({ length: 60 }, (_, i) => i * 0.5);
    const v = makeVolume(data, [3, 4, 5], affine);
    expect(v.orientation.join('')).toBe('LPS');
    const r = reorient(v, 'RAS');
    expect(r.orientation.join('')).toBe('RAS');
    expectSameImage(v, r);
    const back = reorient(r, v.orientation);
    expect(back.data).toEqual(v.data);
    expect(sameGrid(back, v, 1e-9)).toBe(true);
  });

  it('rejects malformed targets naming the value', () => {
    try {
      reorient(lpsVolume(Uint8Array), 'RAR');
      expect.unreachable();
    } catch (e) {
      expect(isUnisegError(e, 'INVALID_ARGUMENT')).toBe(true);
      expect((e as Error).message).toContain('RAR');
    }
  });
});

describe('reorient transforms', () => {
  it('inverts to the reverse transform and applies to grids alone', () => {
    const v = lpsVolume(Uint16Array);
    for (const target of allOrientations()) {
      const t = reorientTransform(v.orientation, target);
      expect(invertReorient(t)).toEqual(reorientTransform(target, v.orientation));
      const moved = applyReorient(v, t);
      expect(sameGrid(reorientGrid(gridOf(v), t), gridOf(moved), 0)).toBe(true);
      const back = applyReorient(moved, invertReorient(t));
      expect(back.data).toEqual(v.data);
    }
  });
});
