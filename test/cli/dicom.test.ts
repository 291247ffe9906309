/** The CLI on DICOM series: `info` reports the series, `segment` with the shipped demo writes masks on the series grid. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readVolume as readNifti } from '../../src/volume/nifti/index.ts';
import { voxelToWorld, worldToVoxel } from '../../src/volume/affine.ts';
import { readVolume } from '../../src/volume/read.ts';
import { uniseg } from '../helpers/cli.ts';
import { dicomSeries, type SeriesSet } from '../helpers/dicom-series.ts';

let set: SeriesSet;
let tmp: string;
beforeAll(async () => {
  set = await dicomSeries();
  tmp = mkdtempSync(join(tmpdir(), 'uniseg-cli-dicom-'));
}, 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('uniseg info on a DICOM series', () => {
  it('--json adds the series UID, modality, transfer syntax and slice count, and says what was skipped', () => {
    const c = set.get('mixed');
    const run = uniseg(['info', set.path('mixed'), '--json']);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ seriesInstanceUID: c.seriesInstanceUID, modality: 'CT', transferSyntaxUID: '1.2.840.10008.1.2.1', slices: 12, shape: [80, 60, 12], orientation: 'LPS' });
    expect(report.warnings.join('\n')).toMatch(/skipped 30 localizer images/);
  });

  it('prints the series in text, and --series picks another one', () => {
    const c = set.get('mixed');
    const run = uniseg(['info', set.path('mixed'), '--series', c.secondSeries!]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`series      ${c.secondSeries}`);
    expect(run.stdout).toMatch(/syntax {6}Explicit VR Little Endian \(1\.2\.840\.10008\.1\.2\.1\)/);
    expect(run.stdout).toMatch(/slices {6}8\n/);
  });

  it('refuses a zip with ../ entries with its code and exit status 1', () => {
    const run = uniseg(['info', set.path('zip-traversal')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^uniseg: error \[ZIP_PATH_TRAVERSAL\]: .*"\.\.\/\.\.\/escaped\.dcm"/);
  });
});

describe('uniseg segment on a DICOM series', () => {
  it('segments a JPEG 2000 series folder with the shipped demo: the mask lies on the series grid and equals the mask of the same voxels read from NIfTI', async () => {
    // The abdominal tasks of the demo learned phantoms only, so on this real 12-slice crop the
    // mask is not anatomy; what is checked is the plumbing. "left kidney" is a prompt that gives a
    // non-empty mask there, so the voxel-by-voxel comparison below has something to compare.
    const c = set.get('j2k-lossless');
    const out = join(tmp, 'kidney-dicom.nii.gz');
    const run = uniseg(['segment', set.path('j2k-lossless'), '-p', 'left kidney', '-o', out, '--json', '--no-log', '--threads', '2'], { timeoutMs: 300_000 });
    expect(run.stderr).not.toMatch(/error/);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^uniseg: read series [\d.]+ \(CT, 12 slices, "explicit-le"\)$/m);
    const mask = await readNifti(out);
    const ct = await readVolume(set.path('j2k-lossless'));
    expect(mask.shape).toEqual(ct.shape);
    mask.affine.forEach((row, r) => row.forEach((v, col) => expect(v).toBeCloseTo(ct.affine[r][col], 4)));
    const report = JSON.parse(run.stdout);
    const voxels = Array.from(mask.data).filter((v) => v !== 0).length;
    expect(report.prompts[0].voxels).toBe(voxels);
    expect(voxels).toBeGreaterThan(0);

    // The series stores the reference's voxels in LPS order; the same prompt on the NIfTI must
    // mark the same points in space.
    const refOut = join(tmp, 'kidney-nifti.nii.gz');
    const refRun = uniseg(['segment', join(set.dir, c.reference!), '-p', 'left kidney', '-o', refOut, '--no-log', '--threads', '2'], { timeoutMs: 300_000 });
    expect(refRun.status).toBe(0);
    const refMask = await readNifti(refOut);
    const [nx, ny] = mask.shape;
    let differing = 0;
    for (let i = 0; i < mask.data.length; i++) {
      const world = voxelToWorld(mask.affine, [i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))]);
      const [a, b, k] = worldToVoxel(refMask.affine, world).map(Math.round);
      if ((mask.data[i] !== 0) !== (refMask.data[a + refMask.shape[0] * (b + refMask.shape[1] * k)] !== 0)) differing++;
    }
    expect(differing).toBe(0);
  }, 300_000);

  it('an unknown --series fails before any model work and writes nothing', () => {
    const out = join(tmp, 'none.nii.gz');
    const run = uniseg(['segment', set.path('mixed'), '--series', '1.2.3.4', '-p', 'liver', '-o', out, '--no-log']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/error \[DICOM_NO_SERIES\]: .*no image series 1\.2\.3\.4; found image series/);
    expect(existsSync(out)).toBe(false);
  });
});
