/**
 * The shipped demo package on a real head-and-neck CT it never trained on (an OpenKBP validation
 * patient, ../shared/data/openkbp), end to end with text prompts: Dice against the clinical
 * contours for organs that a left/right swap or a wrong axis order would move off their contour,
 * and the continual Larynx head: removing it and adding it back with `heads add` leaves every other
 * task's mask byte-identical on this real CT.
 *
 * The CT is cut to the box of its contours plus a margin (still the real scan, on its own grid),
 * and for the head's test to the box of the larynx, so each run costs seconds, not minutes.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_DIR } from '../../src/models/default-model.ts';
import { addHead, removeHead } from '../../src/models/heads.ts';
import { loadModel, readManifest } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { dice } from '../../src/volume/phantom/truth.ts';
import type { Volume } from '../../src/volume/types.ts';
import { cropVolume, labelBox } from '../convert/crop.ts';
import { OPENKBP_DIR } from '../../scripts/bench/demo-real.ts';

/** A validation patient with all seven organs contoured (manifest.json). */
const PATIENT = 'pt_201';
const MARGIN = 8;

/** Prompt, OAR value in oar.nii.gz, and the lowest Dice this package must reach on PATIENT. */
const CHECKS = [
  { prompt: 'mandible', value: 7, min: 0.55 },
  { prompt: 'spinal cord', value: 2, min: 0.55 },
  { prompt: 'left parotid', value: 4, min: 0.5 },
  { prompt: 'right parotid', value: 3, min: 0.6 },
  { prompt: 'brainstem', value: 1, min: 0.45 },
] as const;

let ct: Volume;
let oar: Volume;
let neckCt: Volume;
let neckOar: Volume;
let tmp: string;

beforeAll(async () => {
  const dir = join(OPENKBP_DIR, 'validation-pats', PATIENT);
  const [fullCt, fullOar] = await Promise.all([readVolume(join(dir, 'ct.nii.gz')), readVolume(join(dir, 'oar.nii.gz'))]);
  const all = labelBox(fullOar, new Set([1, 2, 3, 4, 5, 6, 7]), MARGIN);
  ct = cropVolume(fullCt, all.from, all.size);
  oar = cropVolume(fullOar, all.from, all.size);
  const larynx = labelBox(fullOar, new Set([6]), MARGIN);
  neckCt = cropVolume(fullCt, larynx.from, larynx.size);
  neckOar = cropVolume(fullOar, larynx.from, larynx.size);
  tmp = await mkdtemp(join(tmpdir(), 'uniseg-demo-real-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the demo package on a real head-and-neck CT (OpenKBP validation patient)', () => {
  it('the patient has every checked organ contoured', () => {
    const manifest = JSON.parse(readFileSync(join(OPENKBP_DIR, 'manifest.json'), 'utf8')) as { cases: { patient: string; split: string; oars: string[] }[] };
    const entry = manifest.cases.find((c) => c.patient === PATIENT && c.split === 'validation-pats');
    expect(entry?.oars).toEqual(expect.arrayContaining(['Brainstem', 'SpinalCord', 'RightParotid', 'LeftParotid', 'Mandible', 'Larynx']));
  });

  it('finds the organs on their contours, left and right the right way round', async () => {
    const model = await loadModel(DEFAULT_MODEL_DIR);
    try {
      const result = await segmentWithModel(model, ct, CHECKS.map((c) => c.prompt));
      const scores: Record<string, number> = {};
      for (const [n, c] of CHECKS.entries()) {
        const p = result.prompts[n];
        expect(p.task).not.toMatch(/liver|kidney|spleen/);
        expect(model.manifest.tasks.find((t) => t.name === p.task)?.trainedOn).toMatch(/real head-and-neck/);
        scores[c.prompt] = dice(p.mask.data, oar.data, new Set([c.value]));
      }
      process.stdout.write(`demo on ${PATIENT}: ${Object.entries(scores).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}\n`);
      for (const c of CHECKS) expect(scores[c.prompt], c.prompt).toBeGreaterThanOrEqual(c.min);
      // Swapped sides would score the parotid against its mirror image.
      const left = result.prompts[CHECKS.findIndex((c) => c.prompt === 'left parotid')].mask.data;
      expect(dice(left, oar.data, new Set([3]))).toBeLessThan(0.1);

      // Single organs keep their largest component (the task's manifest postprocess): the mask is
      // part of the raw one and no further from the contour.
      for (const c of CHECKS) expect(model.manifest.tasks.find((t) => t.prompt === c.prompt)?.postprocess, c.prompt).toEqual({ largestComponent: true });
      const pruned = ['spinal cord', 'mandible'];
      const raw = await segmentWithModel(model, ct, pruned, { largestComponent: false });
      for (const [n, prompt] of pruned.entries()) {
        const kept = result.prompts[CHECKS.findIndex((c) => c.prompt === prompt)].mask.data;
        const all = raw.prompts[n].mask.data;
        expect(kept.every((v, i) => v === 0 || all[i] !== 0), prompt).toBe(true);
        const value = new Set([CHECKS.find((c) => c.prompt === prompt)!.value]);
        expect(dice(kept, oar.data, value), prompt).toBeGreaterThanOrEqual(dice(all, oar.data, value));
      }
    } finally {
      await model.close();
    }
  }, 300_000);

  it('the Larynx head comes off and goes back on without changing any other task\'s mask or probabilities', async () => {
    const dir = join(tmp, 'demo');
    await cp(DEFAULT_MODEL_DIR, dir, { recursive: true });
    const before = await readManifest(dir);
    const head = before.heads.Larynx;
    expect(head).toBeDefined();
    const others = before.tasks.filter((t) => !(t.route.kind === 'head' && t.route.head === 'Larynx')).map((t) => t.prompt);
    const masks = async () => {
      const model = await loadModel(dir);
      try {
        return (await segmentWithModel(model, neckCt, others, { probabilities: true })).prompts.map((p) => Buffer.concat([Buffer.from(p.mask.data.buffer), Buffer.from(p.probabilities!.data.buffer)]));
      } finally {
        await model.close();
      }
    };
    const withHead = await masks();
    const onnx = join(tmp, 'larynx.onnx');
    await cp(join(dir, before.parts[head.parts[0]].file), onnx);
    await removeHead(dir, 'Larynx');
    const without = await masks();
    const task = before.tasks.find((t) => t.route.kind === 'head' && t.route.head === 'Larynx')!;
    await addHead(dir, { name: 'Larynx', onnx, labels: new Map([['larynx', 1]]), trainedOn: task.trainedOn });
    const again = await masks();
    for (const [n, prompt] of others.entries()) {
      expect(without[n].equals(withHead[n]), prompt).toBe(true);
      expect(again[n].equals(withHead[n]), prompt).toBe(true);
    }
    const model = await loadModel(dir);
    try {
      const larynx = (await segmentWithModel(model, neckCt, 'larynx')).prompts[0];
      expect(larynx.route).toMatchObject({ kind: 'head', head: 'Larynx' });
      const d = dice(larynx.mask.data, neckOar.data, new Set([6]));
      process.stdout.write(`demo on ${PATIENT}: larynx (head) ${d.toFixed(3)}\n`);
      expect(d).toBeGreaterThanOrEqual(0.55);
    } finally {
      await model.close();
    }
  }, 600_000);
});
