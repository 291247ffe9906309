import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { dice, phantomTruth, taskTruth } from '../../src/volume/phantom/truth.ts';
import { uniseg } from '../helpers/cli.ts';
import { TEST_MODELS } from '../helpers/paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'uniseg-demo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('phantom ground truth', () => {
  it('maps task label names to phantom labels, groups included', () => {
    expect([...phantomTruth(['liver'])]).toEqual([4]);
    expect([...phantomTruth(['lungs'])].sort()).toEqual([2, 3]);
    expect([...phantomTruth(['kidney_left', 'kidney_tumor'])].sort((a, b) => a - b)).toEqual([6, 11]);
    expect(phantomTruth(['femur']).size).toBe(0);
    expect(dice([1, 1, 0, 0], [4, 0, 4, 0], new Set([4]))).toBeCloseTo(0.5, 12);
  });
});

describe('uniseg demo', () => {
  it('writes the sample, masks and statistics, and reports Dice against the phantom labels', async () => {
    const out = join(tmp, 'out');
    const run = uniseg(['demo', '--model', join(TEST_MODELS, 'heads'), '--out', out, '--size', '40,40,32', '--spacing', '5', '-p', 'kidney_left', '-p', 'kidneys', '--no-log']);
    expect(run.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['ct.nii.gz', 'kidney_left.nii.gz', 'kidneys.nii.gz', 'labels.nii.gz', 'phantom-labels.nii.gz', 'statistics.json']);
    const stats = JSON.parse(readFileSync(join(out, 'statistics.json'), 'utf8'));
    const truth = await readVolume(join(out, 'phantom-labels.nii.gz'));
    for (const row of stats.dice) {
      const mask = await readVolume(join(out, `${row.task}.nii.gz`));
      const expected = dice(mask.data, taskTruth(truth as typeof truth & { data: Uint8Array }, [row.task]), new Set([1]));
      expect(row.dice).toBeCloseTo(expected, 3);
      expect(run.stdout).toContain(`Dice ${row.dice.toFixed(3)}`);
    }
    expect(stats.prompts[0]).toHaveProperty('mean_hu');
  });
});
