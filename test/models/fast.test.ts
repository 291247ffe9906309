/**
 * Fast mode: windows holding only air are not run, and a located prompt runs only the windows
 * touching its box. Air: a phantom padded with air on a random-weight package (every window the
 * body touches still runs, so every voxel no skipped window covers is blended exactly as in exact
 * mode). Locate: the shipped demo package on an unseen phantom finds the left kidney's box.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_DIR } from '../../src/models/default-model.ts';
import { loadModel, type Model } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { windowLayout, type Triple } from '../../src/models/windows.ts';
import { generatePhantom } from '../../src/volume/phantom/index.ts';
import { dice, taskTruth } from '../../src/volume/phantom/truth.ts';
import type { Affine, Volume } from '../../src/volume/types.ts';
import { makeVolume } from '../../src/volume/volume.ts';
import { TEST_MODELS } from '../helpers/paths.ts';

/** The phantom with `pad` voxels of air (-1000 HU) added before and after along i. */
function padWithAir(ct: Volume, pad: number): Volume<Int16Array> {
  const [nx, ny, nz] = ct.shape;
  const shape = [nx + 2 * pad, ny, nz] as const;
  const data = new Int16Array(shape[0] * ny * nz).fill(-1000);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) data[pad + i + shape[0] * (j + ny * k)] = ct.data[i + nx * (j + ny * k)];
  const affine = ct.affine.map((row, r) => row.map((x, c) => (c === 3 && r < 3 ? x - pad * ct.affine[r][0] : x))) as unknown as Affine;
  return makeVolume(data, [...shape], affine);
}

describe('skipping air', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(join(TEST_MODELS, 'plain'), { threads: 1 });
  });
  afterAll(async () => model?.close());

  it('runs fewer windows on a phantom padded with air and gives the same mask wherever no skipped window reaches', async () => {
    // The plain package's grid is RAS at 1.5 mm with axes xyz: tensor index = voxel index (+ padding).
    const { ct } = generatePhantom({ seed: 11, shape: [40, 40, 20], spacing: [1.5, 1.5, 1.5] });
    const padded = padWithAir(ct, 48);
    const fast = await segmentWithModel(model, padded, ['liver']);
    const exact = await segmentWithModel(model, padded, ['liver'], { exact: true });
    const off = await segmentWithModel(model, padded, ['liver'], { skipAir: false });

    expect(exact.windows).toBe(exact.schedule.grid);
    expect(off.windows).toBe(exact.windows);
    expect(fast.schedule.skippedAir).toBeGreaterThan(0);
    expect(fast.windows).toBe(fast.schedule.grid - fast.schedule.skippedAir);
    expect(fast.schedule.prompts[0].windows).toHaveLength(fast.windows);

    const roi: Triple = [24, 24, 24];
    const layout = windowLayout(padded.shape, roi, 0.5);
    const corners: Triple[] = [];
    for (const a of layout.starts[0]) for (const b of layout.starts[1]) for (const c of layout.starts[2]) corners.push([a, b, c]);
    const ran = new Set(fast.schedule.prompts[0].windows);
    const [nx, ny, nz] = padded.shape;
    const covered = (i: number, j: number, k: number, run: boolean) =>
      corners.some((c, w) => ran.has(w) === run && [i, j, k].every((x, d) => x + layout.padBefore[d] >= c[d] && x + layout.padBefore[d] < c[d] + roi[d]));
    let same = 0;
    let body = 0;
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const v = i + nx * (j + ny * k);
          if (padded.data[v] > -900) body++;
          if (!covered(i, j, k, false)) {
            // Only run windows reach this voxel (every body voxel is such a voxel): the exact blend.
            expect(fast.prompts[0].mask.data[v], `voxel ${i},${j},${k}`).toBe(exact.prompts[0].mask.data[v]);
            same++;
          } else if (!covered(i, j, k, true)) {
            expect(fast.prompts[0].mask.data[v], `voxel ${i},${j},${k} (air only)`).toBe(0);
          }
        }
      }
    }
    expect(same).toBeGreaterThanOrEqual(body);
  });
});

describe('locate, then segment', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(DEFAULT_MODEL_DIR);
  });
  afterAll(async () => model?.close());

  it('finds the left kidney box on a phantom, runs only the windows touching it, and matches exact mode', { timeout: 300_000 }, async () => {
    // The demo grid is RAS at 3 mm with axes xyz, so the phantom's voxels are the model grid's.
    const phantom = generatePhantom({ seed: 71235, shape: [112, 96, 80], spacing: [3, 3, 3] });
    const fast = await segmentWithModel(model, phantom.ct, ['left kidney'], { locate: true });
    const exact = await segmentWithModel(model, phantom.ct, ['left kidney'], { exact: true });
    const { box, windows } = fast.schedule.prompts[0];
    expect(fast.prompts[0].located).toBe(true);
    expect(box).not.toBeNull();

    const truth = taskTruth(phantom.labels, ['kidney_left']);
    const [nx, ny] = phantom.ct.shape;
    let inside = 0;
    let total = 0;
    truth.forEach((on, v) => {
      if (!on) return;
      total++;
      const at = [v % nx, Math.floor(v / nx) % ny, Math.floor(v / (nx * ny))];
      if (at.every((x, d) => x >= box!.start[d] && x < box!.end[d])) inside++;
    });
    expect(total).toBeGreaterThan(1000);
    expect(inside).toBe(total);
    const boxVoxels = box!.end.reduce((n, e, d) => n * (e - box!.start[d]), 1);
    expect(boxVoxels).toBeLessThan(phantom.ct.data.length / 4);

    // The coarse pass is the covering subset of the grid (the first and last start of each axis
    // here); the prompt reads exactly the grid windows that touch its box.
    const roi: Triple = [64, 64, 64];
    const layout = windowLayout(phantom.ct.shape, roi, 0.5);
    const corners: Triple[] = [];
    for (const a of layout.starts[0]) for (const b of layout.starts[1]) for (const c of layout.starts[2]) corners.push([a, b, c]);
    const ends = layout.starts.map((s) => new Set([s[0], s[s.length - 1]]));
    expect(fast.schedule.coarse).toEqual(corners.flatMap((c, w) => (c.every((x, d) => ends[d].has(x)) ? [w] : [])));
    expect(fast.schedule.coarse.length).toBeLessThan(fast.schedule.grid);
    const touching = corners.flatMap((c, w) =>
      c.every((x, d) => x < box!.end[d] + layout.padBefore[d] && x + roi[d] > box!.start[d] + layout.padBefore[d]) ? [w] : [],
    );
    expect(windows).toEqual(touching);
    expect(fast.windows).toBe(new Set([...fast.schedule.coarse, ...touching]).size);
    expect(dice(fast.prompts[0].mask.data, exact.prompts[0].mask.data, new Set([1]))).toBeGreaterThanOrEqual(0.99);
  });
});
