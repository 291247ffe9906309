/**
 * The engine's emulation of MONAI's Spacing arithmetic (src/models/monai/spacing.ts) against torch
 * itself (test/models/monai_spacing_ref.py, this machine's torch and numpy): fma through BigInt
 * against exact fractions, torch.linspace to the bit, and on random axis-aligned volumes full of
 * exact zeros, every source coordinate and the exact set of voxels the resampling leaves at 0
 * (what NormalizeIntensity(nonzero) leaves out). The end-to-end consequence is checked on the
 * MONAI bundle fixture (test/convert/monai-bundle.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fma } from '../../src/models/monai/fma.ts';
import { monaiAxisCoordinates, monaiNonzero, torchLinspace } from '../../src/models/monai/spacing.ts';
import { firstVoxelSpacingGrid, gridOf } from '../../src/volume/grid.ts';
import type { Affine } from '../../src/volume/types.ts';
import { makeVolume } from '../../src/volume/volume.ts';
import { ROOT } from '../helpers/paths.ts';

const work = mkdtempSync(join(tmpdir(), 'uniseg-monai-spacing-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let seed = 11;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];

const fmaCases: [number, number, number][] = [
  [1 / 3, 3, -1],
  [-1 / 3, 3, 1],
  [0.1, 10, -1],
  [2 / 87, 28, -1],
  [5e-324, 0.5, 0],
  [1e-300, 1e-20, 1e-320],
  ...Array.from({ length: 300 }, () => [(random() - 0.5) * 10 ** pick([-3, 0, 2]), Math.floor(random() * 800) - 400, pick([-1, 1, (random() - 0.5) * 4])] as [number, number, number]),
];
const linspaceSizes = [1, 2, 3, 7, 8, 9, 15, 16, 17, 18, 87, 92, 243, 776];
const spacingCases = Array.from({ length: 8 }, () => ({
  dims: [20 + Math.floor(random() * 25), 20 + Math.floor(random() * 25), 12 + Math.floor(random() * 20)],
  spacing: [0, 1, 2].map(() => pick([0.7, 0.75, 0.9765625, 1, 1.25, 1.5, 2.5, 3, 3.27])),
  target: [0, 1, 2].map(() => pick([0.8, 1, 1.5, 2, 3])),
  origin: [0, 1, 2].map(() => Math.round((random() - 0.5) * 6e5) / 1000),
}));

interface Reference {
  fma: number[];
  linspace: Record<string, number[]>;
  spacing: { shape: number[]; coords: number[][]; zeros: number[] }[];
}
let ref: Reference;
const volumes: Float32Array[] = [];

beforeAll(() => {
  spacingCases.forEach((c, i) => {
    // Small integers, most of them exactly 0 (as air-free CT regions at 0 HU are), a few signed pairs that could cancel.
    const v = Float32Array.from({ length: c.dims[0] * c.dims[1] * c.dims[2] }, () => (random() < 0.6 ? 0 : pick([-2, -1, 1, 2, 500])));
    writeFileSync(join(work, `vol${i}.f32`), v);
    volumes.push(v);
  });
  writeFileSync(join(work, 'cases.json'), JSON.stringify({ fma: fmaCases, linspace: linspaceSizes, spacing: spacingCases }));
  const run = spawnSync('/usr/bin/python3', [join(ROOT, 'test', 'models', 'monai_spacing_ref.py'), work], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`monai_spacing_ref.py failed: ${run.stderr}`);
  ref = JSON.parse(readFileSync(join(work, 'out.json'), 'utf8'));
}, 120_000);

describe("MONAI Spacing's float64 arithmetic, to the bit", () => {
  it('fma rounds a·b + c once, as exact fractions do', () => {
    const got = fmaCases.map(([a, b, c]) => fma(a, b, c));
    expect(got).toEqual(ref.fma);
    // The fused result differs from the twice-rounded one where it matters here.
    expect(fma(1 / 3, 3, -1)).not.toBe((1 / 3) * 3 - 1);
  });

  it("torchLinspace is torch.linspace(-1, 1, n) in float64", () => {
    for (const n of linspaceSizes) expect(Array.from(torchLinspace(n)), `n = ${n}`).toEqual(ref.linspace[String(n)]);
  });

  it('source coordinates and the exactly-zero voxels match torch on random axis-aligned volumes', () => {
    let inexact = 0;
    spacingCases.forEach((c, i) => {
      const r = ref.spacing[i];
      const affine: Affine = [
        [c.spacing[0], 0, 0, c.origin[0]],
        [0, c.spacing[1], 0, c.origin[1]],
        [0, 0, c.spacing[2], c.origin[2]],
        [0, 0, 0, 1],
      ];
      const ct = makeVolume(volumes[i], c.dims as [number, number, number], affine);
      const grid = firstVoxelSpacingGrid(gridOf(ct), c.target as [number, number, number]);
      expect([...grid.shape]).toEqual(r.shape);
      for (let a = 0; a < 3; a++) {
        const coords = monaiAxisCoordinates(c.dims[a], r.shape[a], c.spacing[a], c.target[a]);
        expect(Array.from(coords), `case ${i} axis ${a}`).toEqual(r.coords[a]);
        // The test means something: torch's coordinates are not the exact i · t / s.
        coords.forEach((x, j) => (inexact += x !== Math.min(c.dims[a] - 1, (j * c.target[a]) / c.spacing[a]) ? 1 : 0));
      }
      const mask = monaiNonzero(ct, c.spacing, grid, c.target);
      const zeros: number[] = [];
      mask.forEach((m, v) => m === 0 && zeros.push(v));
      expect(zeros, `case ${i}`).toEqual(r.zeros);
    });
    expect(inexact).toBeGreaterThan(0);
  });
});
