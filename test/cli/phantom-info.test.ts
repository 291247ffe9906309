import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { centredAffine, generatePhantom, PHANTOM_LABEL_NAMES } from '../../src/volume/phantom/index.ts';
import { volumeStats } from '../../src/volume/stats.ts';

const BIN = fileURLToPath(new URL('../../bin/uniseg.mjs', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../../shared/data/ct/example_ct.nii.gz', import.meta.url));
const EXAMPLE_REFERENCE = fileURLToPath(new URL('../../../shared/data/ct/example_ct.reference.json', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real binary with node, as a user would. */
function uniseg(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'uniseg-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('uniseg phantom + info', () => {
  it('writes the CT, the label map and labels.json, and info reports them', async () => {
    const ct = join(dir, 'ct.nii.gz');
    const labels = join(dir, 'labels.nii.gz');
    const made = await uniseg('phantom', '-o', ct, '--labels', labels, '--seed', '3', '--size', '64,64,64', '--spacing', '6,6,6', '--orientation', 'LPS');
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toContain(ct);
    expect((await stat(ct)).size).toBeGreaterThan(0);
    const names = JSON.parse(await readFile(join(dir, 'labels.json'), 'utf8'));
    expect(names).toEqual(Object.fromEntries(Object.entries(PHANTOM_LABEL_NAMES).map(([k, v]) => [String(k), v])));

    const readBack = await readVolume(labels);
    expect(readBack.source?.datatype).toBe('uint8');
    expect(readBack.orientation.join('')).toBe('LPS');

    const info = await uniseg('info', ct, '--json');
    expect(info.code).toBe(0);
    const report = JSON.parse(info.stdout);
    expect(Object.keys(report).sort()).toEqual(['affine', 'datatype', 'max', 'mean', 'min', 'orientation', 'shape', 'spacing', 'sum'].sort());
    expect(report.shape).toEqual([64, 64, 64]);
    expect(report.spacing).toEqual([6, 6, 6]);
    expect(report.orientation).toBe('LPS');
    expect(report.datatype).toBe('int16');
    expect(report.affine).toEqual(centredAffine([64, 64, 64], [6, 6, 6], ['L', 'P', 'S']));
    // Same seed and grid in-process gives the same voxels, so the statistics must match exactly.
    const expected = volumeStats(generatePhantom({ seed: 3, shape: [64, 64, 64], spacing: [6, 6, 6], orientation: 'LPS' }).ct.data);
    expect(report.min).toBe(expected.min);
    expect(report.max).toBe(expected.max);
    expect(report.sum).toBe(expected.sum);
    expect(report.mean).toBeCloseTo(expected.mean, 9);

    const text = await uniseg('info', ct);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/orientation\s+LPS/);
    expect(text.stdout).toMatch(/shape\s+64 x 64 x 64/);
    expect(text.stdout).toMatch(/datatype\s+int16/);
  });

  it.skipIf(!existsSync(EXAMPLE))('info --json on the real example CT matches nibabel', async () => {
    const [reference] = JSON.parse(await readFile(EXAMPLE_REFERENCE, 'utf8'));
    const info = await uniseg('info', '--json', EXAMPLE);
    expect(info.code).toBe(0);
    const report = JSON.parse(info.stdout);
    expect(report.shape).toEqual(reference.shape);
    expect(report.datatype).toBe(reference.dtype);
    expect(report.orientation).toBe(reference.axcodes.join(''));
    for (let n = 0; n < 3; n++) expect(report.spacing[n]).toBeCloseTo(reference.zooms[n], 5);
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(report.affine[r][c]).toBeCloseTo(reference.affine[r][c], 4);
    expect(report.min).toBe(reference.min);
    expect(report.max).toBe(reference.max);
    expect(report.sum).toBe(reference.sum);
    expect(Math.abs(report.mean - reference.mean)).toBeLessThan(1e-9 * Math.abs(reference.mean));
  });

  it.each([
    [['phantom', '-o', 'x.nii.gz', '--spacing', '3,x,3'], '--spacing', '3,x,3'],
    [['phantom', '-o', 'x.nii.gz', '--size', '64,64'], '--size', '64,64'],
    [['phantom', '-o', 'x.nii.gz', '--orientation', 'RAX'], '--orientation', 'RAX'],
    [['phantom', '-o', 'x.nii.gz', '--seed', 'abc'], '--seed', 'abc'],
    [['phantom', '-o', 'ct.png'], '--output', 'ct.png'],
  ])('a bad option value exits 2 with one line naming the flag (%j)', async (args, flag, value) => {
    const run = await uniseg(...args.map((a) => (a === 'x.nii.gz' ? join(dir, a) : a)));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('INVALID_ARGUMENT');
    expect(lines[0]).toContain(flag);
    expect(lines[0]).toContain(value);
    expect(existsSync(join(dir, 'x.nii.gz'))).toBe(false);
  });
});
