import { describe, expect, it } from 'vitest';
import { affineOrientation } from '../../src/volume/affine.ts';
import { gridOf, sameGrid, spacingGrid } from '../../src/volume/grid.ts';
import { voxelToWorld } from '../../src/volume/affine.ts';
import { makeVolume } from '../../src/volume/volume.ts';
import { isUnisegError } from '../../src/errors.ts';
import type { Affine } from '../../src/volume/types.ts';

function affine(m: number[][], t: number[] = [0, 0, 0]): Affine {
  return [[...m[0], t[0]], [...m[1], t[1]], [...m[2], t[2]], [0, 0, 0, 1]];
}
function mul3(a: number[][], b: number[][]): number[][] {
  return a.map((row) => [0, 1, 2].map((c) => row[0] * b[0][c] + row[1] * b[1][c] + row[2] * b[2][c]));
}
const deg = Math.PI / 180;
const rotZ = (d: number) => [[Math.cos(d * deg), -Math.sin(d * deg), 0], [Math.sin(d * deg), Math.cos(d * deg), 0], [0, 0, 1]];
const rotX = (d: number) => [[1, 0, 0], [0, Math.cos(d * deg), -Math.sin(d * deg)], [0, Math.sin(d * deg), Math.cos(d * deg)]];
const diag = (a: number, b: number, c: number) => [[a, 0, 0], [0, b, 0], [0, 0, c]];

describe('affineOrientation matches nibabel', () => {
  // Expected codes were obtained by building the same matrices with numpy and running
  // /usr/bin/python3 -c "import nibabel; print(''.join(nibabel.aff2axcodes(A)))" (nibabel 5.0.0).
  const cases: [string, Affine, string][] = [
    ['RAS diagonal', affine(diag(0.8, 0.8, 2.5), [-200, -180, -300]), 'RAS'],
    ['LPS diagonal', affine(diag(-0.7, -0.7, 3), [180, 200, -100]), 'LPS'],
    ['LAS (radiological x flip)', affine(diag(-1, 1, 1)), 'LAS'],
    ['PIR permutation', affine([[0, 0, 1.5], [-1, 0, 0], [0, -2, 0]]), 'PIR'],
    ['RAS rotated 20 deg about z', affine(mul3(rotZ(20), diag(0.9, 0.9, 2)), [10, 20, 30]), 'RAS'],
    ['rotated 50 deg about z', affine(rotZ(50)), 'ALS'],
    ['LPS rotated 20 deg about x', affine(mul3(rotX(20), diag(-0.7, -0.7, 3))), 'LPS'],
    ['skewed, non-orthogonal', affine([[0.9, 0.5, 0.1], [0.4, -1, 0.2], [0.1, 0.3, -2]]), 'RPI'],
  ];
  for (const [name, a, expected] of cases) {
    it(name, () => {
      expect(affineOrientation(a).join('')).toBe(expected);
    });
  }
});

describe('spacingGrid', () => {
  const centre = (a: Affine, shape: readonly number[]) => voxelToWorld(a, [(shape[0] - 1) / 2, (shape[1] - 1) / 2, (shape[2] - 1) / 2]);

  it('rounds the extent to whole new voxels and keeps the field-of-view centre', () => {
    const grid = { shape: [10, 7, 1] as const, affine: affine(diag(-1, -1, 5), [12, 30, -4]) };
    const g = spacingGrid(grid, [3, 0.5, 2]);
    // 10 mm / 3 -> 3.33 -> 3; 7 mm / 0.5 -> 14; 5 mm / 2 -> 2.5 -> 3 (half rounds up).
    expect(g.shape).toEqual([3, 14, 3]);
    const before = centre(grid.affine, grid.shape);
    const after = centre(g.affine, g.shape);
    for (let c = 0; c < 3; c++) expect(after[c]).toBeCloseTo(before[c], 12);
    expect(g.affine[0][0]).toBeCloseTo(-3, 12);
    expect(g.affine[1][1]).toBeCloseTo(-0.5, 12);
    expect(g.affine[2][2]).toBeCloseTo(2, 12);
  });

  it('never shrinks an axis below one voxel', () => {
    const g = spacingGrid({ shape: [2, 2, 2], affine: affine(diag(1, 1, 1)) }, [50, 1, 1]);
    expect(g.shape).toEqual([1, 2, 2]);
  });

  it('keeps the directions of a rotated grid and its centre', () => {
    const a = affine(mul3(rotZ(20), diag(0.9, 0.9, 2)), [10, 20, 30]);
    const grid = { shape: [40, 30, 12] as const, affine: a };
    const g = spacingGrid(grid, [1.5, 1.5, 1.5]);
    const v = makeVolume(new Uint8Array(g.shape[0] * g.shape[1] * g.shape[2]), g.shape, g.affine);
    expect(v.spacing.map((s) => Number(s.toFixed(12)))).toEqual([1.5, 1.5, 1.5]);
    expect(v.orientation.join('')).toBe('RAS');
    for (let col = 0; col < 3; col++) {
      const oldNorm = Math.hypot(a[0][col], a[1][col], a[2][col]);
      for (let row = 0; row < 3; row++) expect(g.affine[row][col] / 1.5).toBeCloseTo(a[row][col] / oldNorm, 12);
    }
    const before = centre(a, grid.shape);
    const after = centre(g.affine, g.shape);
    for (let c = 0; c < 3; c++) expect(after[c]).toBeCloseTo(before[c], 10);
  });

  it('is the identity for the grid spacing', () => {
    const v = makeVolume(new Int16Array(6 * 5 * 4), [6, 5, 4], affine(diag(-0.7, 0.7, 2.5), [1, 2, 3]));
    expect(sameGrid(spacingGrid(gridOf(v), v.spacing), gridOf(v), 1e-12)).toBe(true);
  });

  it('rejects non-positive spacing, naming the value', () => {
    const grid = { shape: [2, 2, 2] as const, affine: affine(diag(1, 1, 1)) };
    for (const bad of [[0, 1, 1], [1, -1, 1], [1, 1, NaN]] as const) {
      try {
        spacingGrid(grid, bad);
        expect.unreachable();
      } catch (e) {
        expect(isUnisegError(e, 'INVALID_ARGUMENT')).toBe(true);
        expect((e as Error).message).toContain('spacing');
      }
    }
  });
});

describe('sameGrid', () => {
  const a = { shape: [3, 4, 5] as const, affine: affine(diag(1, 1, 1)) };
  it('compares shape exactly and affine within tolerance', () => {
    expect(sameGrid(a, { shape: [3, 4, 5], affine: affine(diag(1 + 1e-9, 1, 1)) })).toBe(true);
    expect(sameGrid(a, { shape: [3, 4, 5], affine: affine(diag(1 + 1e-3, 1, 1)) })).toBe(false);
    expect(sameGrid(a, { shape: [3, 4, 5], affine: affine(diag(1 + 1e-3, 1, 1)) }, 1e-2)).toBe(true);
    expect(sameGrid(a, { shape: [3, 5, 4], affine: a.affine })).toBe(false);
  });
});
