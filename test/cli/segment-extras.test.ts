/** `uniseg segment` conveniences: --roi-subset, --output-dir, --statistics, and their usage errors. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { uniseg } from '../helpers/cli.ts';
import { FIXTURES, TEST_MODELS } from '../helpers/paths.ts';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'uniseg-segment-extras-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ct = join(FIXTURES, 'engine', 'small', 'ct.nii.gz');
const model = ['--model', join(TEST_MODELS, 'plain'), '--threads', '1', '--no-log'];

interface Statistics {
  prompts: { prompt: string; task: string; voxels: number; volume_ml: number; mean_hu: number | null; std_hu: number | null }[];
}

describe('uniseg segment extras', () => {
  it('--roi-subset adds prompts after --prompt, into one label map', () => {
    const out = join(tmp, 'labels.nii.gz');
    const run = uniseg(['segment', ct, '--roi-subset', 'spleen, hepar', ...model, '-o', out, '--json']);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.prompts.map((p: { prompt: string; task: string; label: number }) => [p.prompt, p.task, p.label])).toEqual([
      ['spleen', 'spleen', 1],
      ['hepar', 'liver', 2],
    ]);
    expect(report.outputs).toEqual({ mask: out });
  });

  it('--output-dir writes one mask per prompt and --statistics the HU inside each', async () => {
    const dir = join(tmp, 'masks');
    const run = uniseg(['segment', ct, '-p', 'liver', '--roi-subset', 'spleen', ...model, '--output-dir', dir, '--statistics', '--json']);
    expect(run.status).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['liver.nii.gz', 'spleen.nii.gz', 'statistics.json']);
    const report = JSON.parse(run.stdout);
    expect(report.outputs.masks).toEqual({ liver: join(dir, 'liver.nii.gz'), spleen: join(dir, 'spleen.nii.gz') });
    expect(report.prompts.map((p: { label: number }) => p.label)).toEqual([1, 1]);

    const stats = JSON.parse(readFileSync(join(dir, 'statistics.json'), 'utf8')) as Statistics;
    const image = await readVolume(ct);
    for (const row of stats.prompts) {
      const mask = await readVolume(join(dir, `${row.task}.nii.gz`));
      expect(mask.shape).toEqual(image.shape);
      const inside = Array.from(image.data).filter((_, i) => mask.data[i] !== 0);
      const mean = inside.reduce((a, b) => a + b, 0) / inside.length;
      const std = Math.sqrt(inside.reduce((a, b) => a + (b - mean) ** 2, 0) / inside.length);
      expect(row.voxels).toBe(inside.length);
      expect(row.volume_ml).toBeCloseTo((inside.length * 1.5 ** 3) / 1000, 2);
      expect(row.mean_hu).toBeCloseTo(mean, 1);
      expect(row.std_hu).toBeCloseTo(std, 1);
    }
  });

  it('writes statistics.json beside -o, and prints a text summary without --json', () => {
    const dir = mkdtempSync(join(tmp, 'single-'));
    const run = uniseg(['segment', ct, '-p', 'spleen', ...model, '-o', join(dir, 'spleen.nii.gz'), '--statistics']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/spleen: 2209 voxels/);
    const stats = JSON.parse(readFileSync(join(dir, 'statistics.json'), 'utf8')) as Statistics;
    expect(stats.prompts[0]).toMatchObject({ prompt: 'spleen', voxels: 2209 });
  });

  it('exits 2 unless exactly one of -o and --output-dir is given, and on an empty --roi-subset item', () => {
    const both = uniseg(['segment', ct, '-p', 'liver', ...model, '-o', join(tmp, 'both.nii.gz'), '--output-dir', join(tmp, 'both')]);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/exactly one of -o .* --output-dir/);
    expect(both.stderr.trim().split('\n')).toHaveLength(1);
    const neither = uniseg(['segment', ct, '-p', 'liver', ...model]);
    expect(neither.status).toBe(2);
    const emptyItem = uniseg(['segment', ct, '--roi-subset', 'liver,,spleen', ...model, '-o', join(tmp, 'e.nii.gz')]);
    expect(emptyItem.status).toBe(2);
    expect(emptyItem.stderr).toMatch(/--roi-subset/);
    expect(existsSync(join(tmp, 'both.nii.gz')) || existsSync(join(tmp, 'both')) || existsSync(join(tmp, 'e.nii.gz'))).toBe(false);
  });
});
