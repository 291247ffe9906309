/** Refusals of the DICOM writers: typed errors, and nothing (not even a temp file) left on disk. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnisegError } from '../../../src/errors.ts';
import { writeDicomSeg, writeRtstruct, type OutputMask } from '../../../src/volume/dicom-out/index.ts';
import { readVolume } from '../../../src/volume/nifti/index.ts';
import type { Volume } from '../../../src/volume/types.ts';
import { makeVolume } from '../../../src/volume/volume.ts';
import { makeCtSeries } from '../../helpers/dicom-out-series.ts';
import { SHARED_CT } from '../../helpers/paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'uniseg-dicom-out-errors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const options = { provenance: { unisegVersion: '0.1.0', packageName: 'demo', manifestSha256: '0'.repeat(64) } };
const writers = [
  ['SEG', writeDicomSeg],
  ['RTSTRUCT', writeRtstruct],
] as const;

let ct: Volume;
let liver: OutputMask;
beforeAll(() => {
  const series = join(tmp, 'series');
  mkdirSync(series);
  ct = makeCtSeries(series, 'axial');
  // A box of 20 x 20 voxels on slices 5 to 9.
  const [nx, ny] = ct.shape;
  const box = Uint8Array.from(ct.data, (_v, p) => Number(p % nx >= 30 && p % nx < 50 && Math.floor(p / nx) % ny >= 40 && Math.floor(p / nx) % ny < 60 && Math.floor(p / (nx * ny)) >= 5 && Math.floor(p / (nx * ny)) < 10));
  liver = { prompt: 'liver', task: 'liver', labels: { liver: 1 }, mask: makeVolume(box, ct.shape, ct.affine) };
}, 30_000);

async function refusal(run: () => Promise<void>): Promise<{ code: string; message: string }> {
  try {
    await run();
  } catch (error) {
    if (isUnisegError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe.each(writers)('%s writer refusals', (_name, write) => {
  it('a CT read from NIfTI: DICOM_OUTPUT_NEEDS_DICOM_INPUT naming the file, nothing written', async () => {
    const nifti = await readVolume(SHARED_CT);
    const mask = { ...liver, mask: makeVolume(new Uint8Array(nifti.data.length), nifti.shape, nifti.affine) };
    const out = join(tmp, 'from-nifti.dcm');
    const error = await refusal(() => write(out, nifti, [mask], options));
    expect(error.code).toBe('DICOM_OUTPUT_NEEDS_DICOM_INPUT');
    expect(error.message).toContain('example_ct.nii.gz');
    expect(existsSync(out)).toBe(false);
  });

  it('a mask on another grid: DICOM_OUTPUT_GRID_MISMATCH naming the prompt and both shapes; the old file stays', async () => {
    const out = join(tmp, 'kept.dcm');
    writeFileSync(out, 'previous result');
    const [nx, ny, nz] = ct.shape;
    const smaller = { ...liver, prompt: 'spleen', mask: makeVolume(new Uint8Array(nx * ny * (nz - 1)), [nx, ny, nz - 1], ct.affine) };
    const error = await refusal(() => write(out, ct, [liver, smaller], options));
    expect(error.code).toBe('DICOM_OUTPUT_GRID_MISMATCH');
    expect(error.message).toMatch(/"spleen".*\[122, 101, 17\].*\[122, 101, 18\]/);
    expect(readFileSync(out, 'utf8')).toBe('previous result');
  });

  it('a CT flipped after reading (its array no longer the series order): DICOM_OUTPUT_GRID_MISMATCH', async () => {
    const a = ct.affine.map((row) => [...row]);
    for (let r = 0; r < 3; r++) {
      a[r][3] += a[r][0] * (ct.shape[0] - 1);
      a[r][0] = -a[r][0];
    }
    const flipped = { ...makeVolume(ct.data, ct.shape, a), dicom: ct.dicom };
    const mask = { ...liver, mask: makeVolume(liver.mask.data, ct.shape, a) };
    const error = await refusal(() => write(join(tmp, 'flipped.dcm'), flipped, [mask], options));
    expect(error.code).toBe('DICOM_OUTPUT_GRID_MISMATCH');
    expect(error.message).toMatch(/reoriented or resampled/);
  });

  it('no masks: INVALID_ARGUMENT', async () => {
    expect((await refusal(() => write(join(tmp, 'none.dcm'), ct, [], options))).code).toBe('INVALID_ARGUMENT');
  });

  it('an unwritable target: DICOM_WRITE_FAILED naming the path, and no temp file left behind', async () => {
    const dir = join(tmp, 'is-a-dir.dcm');
    mkdirSync(dir, { recursive: true });
    const error = await refusal(() => write(dir, ct, [liver], options));
    expect(error.code).toBe('DICOM_WRITE_FAILED');
    expect(error.message).toContain(dir);
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
