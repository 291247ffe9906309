/**
 * `uniseg convert clnet` on the shared clNet fixture (a GeneralEncoder task and a head task with
 * three decoders, Lens supported by Eyes). Converted once; then each head's logits against clNet's
 * float32 output (1e-3, the fixture's target), the manifest's facts (LPS, zyx, the plans'
 * normalisation), and that a supporting head runs once per window however many heads read it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareTensors, runNetwork } from '../../src/models/network-run.ts';
import { readNpy } from '../../src/models/npy.ts';
import { loadModel, type Model } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { uniseg } from '../helpers/cli.ts';
import { ROOT, SHARED_CT } from '../helpers/paths.ts';
import { cropVolume } from './crop.ts';

const FIXTURE = join(ROOT, '..', 'shared', 'fixtures', 'clnet');
const fixture = (f: string) => join(FIXTURE, f);
const work = mkdtempSync(join(tmpdir(), 'uniseg-clnet-'));
const pkg = join(work, 'clnet');
let model: Model;

beforeAll(async () => {
  const run = uniseg(['convert', 'clnet', fixture('results'), '--config', fixture('train_cfg.json'), '-o', pkg], { timeoutMs: 900_000 });
  expect(run.status, run.stderr).toBe(0);
  model = await loadModel(pkg, { threads: 2 });
}, 900_000);

afterAll(async () => {
  await model?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('uniseg convert clnet', { timeout: 300_000 }, () => {
  it("writes one head per decoder with its labels, supporters wired as inputs, clNet's preprocessing", () => {
    const m = model.manifest;
    expect(m.heads.BrainStem).toMatchObject({ labels: { BrainStem: 1 }, supporting: [] });
    expect(m.heads.Eyes).toMatchObject({ labels: { Eye_L: 1, Eye_R: 2 }, supporting: [] });
    expect(m.heads.Lens).toMatchObject({ labels: { Lens_L: 1, Lens_R: 2 }, supporting: ['Eyes'] });
    expect(m.parts['head.Lens'].inputs.at(-1)).toBe('head.Eyes');
    expect(m.preprocess).toMatchObject({ orientation: 'LPS', axes: 'zyx', spacing: [3, 3, 3] });
    const intensity = m.preprocess.intensity as { kind: string; aMin: number; aMax: number; bMin: number; bMax: number };
    expect(intensity).toMatchObject({ kind: 'clip', aMin: -995, aMax: 1265 });
    expect(intensity.bMin).toBeCloseTo((-995 + 187.85325622558594) / 490.7054443359375, 10);
    expect(m.inference.roi).toEqual([64, 64, 32]);
    expect(m.origin).toMatchObject({ kind: 'clnet' });
    const origin = m.origin as { files: { path: string }[] };
    expect(origin.files.map((f) => f.path.split('/').at(-1))).toEqual(['train_cfg.json', 'model_final_checkpoint.model', 'model_final_checkpoint.model']);
    const training = m.training as { heads: Record<string, { weights: string }> };
    expect(Object.values(training.heads).map((h) => h.weights)).toEqual(['ema_dict.BrainStem', 'ema_dict.Eyes', 'ema_dict.Lens']);
  });

  it("each head's logits are within 1e-3 of clNet's", async () => {
    const input = await readNpy(fixture('input.npy'));
    for (const head of ['BrainStem', 'Eyes', 'Lens']) {
      const run = await runNetwork(model, input, { head });
      expect(compareTensors(run.output, await readNpy(fixture(`output_${head}.npy`))).maxAbsDiff, head).toBeLessThan(1e-3);
    }
    const cli = uniseg(['verify', pkg, '--input', fixture('input.npy'), '--expect', fixture('output_Lens.npy'), '--head', 'Lens', '--json', '--tolerance', '1e-3']);
    expect(cli.status, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ output: 'head.Lens', ran: 'head Lens' });
  });

  it('runs a supporting head once per window, for itself and for the head it supports', async () => {
    // A RAS crop of the shared CT (3 mm): the engine reorients it to LPS; 70 > 64 along L gives two windows.
    const ct = cropVolume(await readVolume(SHARED_CT), [26, 18, 40], [70, 64, 32]);
    model.parts.resetStats();
    const result = await segmentWithModel(model, ct, ['Lens L', 'Eye R', 'BrainStem']);
    expect(result.windows).toBe(2);
    expect(model.parts.stats.runs).toEqual({ encoder: 2, 'head.Eyes': 2, 'head.Lens': 2, 'head.BrainStem': 2 });
    for (const p of result.prompts) expect(p.mask.shape).toEqual(ct.shape);
    model.parts.resetStats();
    await segmentWithModel(model, ct, 'Lens R');
    expect(model.parts.stats.runs).toEqual({ encoder: 2, 'head.Eyes': 2, 'head.Lens': 2 });
  });

  it('refuses a config naming a missing task folder, naming it, and writes nothing', () => {
    const cfg = JSON.parse(readFileSync(fixture('train_cfg.json'), 'utf8'));
    cfg.GeneralEncoder.task = 'Task404_Missing';
    const path = join(work, 'missing.json');
    writeFileSync(path, JSON.stringify(cfg));
    const run = uniseg(['convert', 'clnet', fixture('results'), '--config', path, '-o', join(work, 'refused')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/CONVERT_FAILED.*Task404_Missing.*task folder "Task404_Missing" named by "GeneralEncoder"/);
    expect(existsSync(join(work, 'refused'))).toBe(false);
  });
});
