/**
 * The shipped demo package (models/demo) on a phantom it was not trained on, through the whole
 * engine: organs land where the phantom has them, left is left, and an LPS file of the same
 * phantom gives the same masks. Thresholds sit well below the demo's measured Dice (models/demo/
 * README.md) and far above what a flipped axis or a left/right swap scores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_DIR } from '../../src/models/default-model.ts';
import { loadModel, type Model } from '../../src/models/package.ts';
import { segmentWithModel, type SegmentResult } from '../../src/models/segment.ts';
import { segment } from '../../src/segment.ts';
import { generatePhantom, type Phantom } from '../../src/volume/phantom/index.ts';
import { dice, taskTruth } from '../../src/volume/phantom/truth.ts';

const ONE = new Set([1]);
const SEED = 71234; // never a training (0-199) or validation (90000-90001) seed
const GRID = { shape: [112, 96, 80] as const, spacing: [3, 3, 3] as const };

let model: Model;
let ras: Phantom;
let result: SegmentResult;

beforeAll(async () => {
  model = await loadModel(DEFAULT_MODEL_DIR);
  ras = generatePhantom({ seed: SEED, ...GRID });
  result = await segmentWithModel(model, ras.ct, ['liver', 'left kidney', 'right kidney']);
}, 180_000);

afterAll(async () => {
  await model?.close();
});

const score = (r: SegmentResult, p: Phantom, prompt: number, task: string) => dice(r.prompts[prompt].mask.data, taskTruth(p.labels, [task]), ONE);

describe('the demo package on an unseen phantom', () => {
  it('segments the liver and both kidneys on the CT grid', () => {
    expect(result.prompts.map((p) => p.task)).toEqual(['liver', 'kidney_left', 'kidney_right']);
    for (const p of result.prompts) {
      expect(p.mask.shape).toEqual(ras.ct.shape);
      expect(p.mask.affine).toEqual(ras.ct.affine);
    }
    expect(score(result, ras, 0, 'liver')).toBeGreaterThan(0.8);
    expect(score(result, ras, 1, 'kidney_left')).toBeGreaterThan(0.6);
    expect(score(result, ras, 2, 'kidney_right')).toBeGreaterThan(0.45);
  });

  it('does not swap left and right', () => {
    // Each kidney mask scores clearly better against its own side than against the other (the
    // demo still spills onto the other kidney, see models/demo/README.md; a swap would flip these).
    const own = [score(result, ras, 1, 'kidney_left'), score(result, ras, 2, 'kidney_right')];
    const other = [score(result, ras, 1, 'kidney_right'), score(result, ras, 2, 'kidney_left')];
    expect(own[0] - other[0], `left mask: own ${own[0]}, other ${other[0]}`).toBeGreaterThan(0.15);
    expect(own[1] - other[1], `right mask: own ${own[1]}, other ${other[1]}`).toBeGreaterThan(0.15);
    // Far organs never mix: the liver mask hardly touches either kidney.
    expect(score(result, ras, 0, 'kidney_right')).toBeLessThan(0.05);
  });

  it('gives the same answer for the same phantom stored in LPS', async () => {
    const lps = generatePhantom({ seed: SEED, ...GRID, orientation: 'LPS' });
    const other = await segmentWithModel(model, lps.ct, ['left kidney']);
    const a = score(result, ras, 1, 'kidney_left');
    const b = score(other, lps, 0, 'kidney_left');
    expect(Math.abs(a - b)).toBeLessThan(0.02);
  }, 120_000);

  it('is what segment(ct, prompt) uses when no model is given', async () => {
    const small = generatePhantom({ seed: SEED, shape: [48, 48, 48], spacing: [4, 4, 4] });
    const r = await segment(small.ct, 'left kidney');
    expect(r.prompts[0]).toMatchObject({ task: 'kidney_left', route: { kind: 'pathway' } });
    expect(r.prompts[0].mask.shape).toEqual(small.ct.shape);
  }, 60_000);
});
