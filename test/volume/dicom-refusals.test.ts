/**
 * Every series uniseg cannot read as one 3D grid is refused with its own code, and the message
 * names the series and the slices (files and positions) at fault. Zips that would write outside
 * a folder, or inflate past the budget, are refused before anything is inflated.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { isUnisegError, type UnisegError } from '../../src/errors.ts';
import { readVolume } from '../../src/volume/read.ts';
import { dicomSeries, type SeriesSet } from '../helpers/dicom-series.ts';

let set: SeriesSet;
beforeAll(async () => {
  set = await dicomSeries();
}, 300_000);

async function refusal(name: string, options = {}): Promise<UnisegError> {
  const error = await readVolume(set.path(name), options).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isUnisegError(error)) throw new Error(`${name}: expected a UnisegError, got ${String(error)}`);
  return error;
}

describe('refusing series that are not one 3D grid', () => {
  it('a missing slice: DICOM_MISSING_SLICES naming the gap and its neighbours', async () => {
    const error = await refusal('missing-slice');
    expect(error.code).toBe('DICOM_MISSING_SLICES');
    expect(error.message).toMatch(/^series [\d.]+: 2 slices missing \(step 3 mm\): a 9 mm gap between IM\d+\.dcm at \([-\d., ]+\) and IM\d+\.dcm at \([-\d., ]+\)/);
    expect(error.details).toMatchObject({ stepMm: 3, gaps: [{ gapMm: expect.closeTo(9, 6) }] });
  });

  it('uneven spacing: DICOM_UNEVEN_SPACING naming the odd steps', async () => {
    const error = await refusal('uneven-spacing');
    expect(error.code).toBe('DICOM_UNEVEN_SPACING');
    expect(error.message).toContain('most gaps are 3 mm');
    expect(error.message).toMatch(/4\.2 mm between IM\d+\.dcm at .* and IM\d+\.dcm/);
    expect(error.message).toMatch(/1\.8 mm between/);
  });

  it('mixed orientation: DICOM_MIXED_ORIENTATION naming the odd slice', async () => {
    const error = await refusal('mixed-orientation');
    expect(error.code).toBe('DICOM_MIXED_ORIENTATION');
    expect(error.message).toMatch(/1 of 12 slices have another ImageOrientationPatient than the rest \(1\\0\\0\\0\\1\\0\): IM0005\.dcm at \([-\d., ]+\) has 1\\0\\0\\0\\0\.9962\\-0\.0872/);
  });

  it('mixed rows/columns: DICOM_MIXED_SIZE naming the odd slice', async () => {
    const error = await refusal('mixed-size');
    expect(error.code).toBe('DICOM_MIXED_SIZE');
    expect(error.message).toMatch(/IM0007\.dcm at \([-\d., ]+\) has 60x76/);
  });

  it('gantry tilt: DICOM_GANTRY_TILT with the drift and the angle', async () => {
    const error = await refusal('gantry-tilt');
    expect(error.code).toBe('DICOM_GANTRY_TILT');
    expect(error.message).toMatch(/a gantry tilt of about 15 degrees \(GantryDetectorTilt 15\)/);
    expect(error.details.angleDegrees).toBeCloseTo(15, 3);
  });

  it('a 4D series (positions repeated): DICOM_4D', async () => {
    const error = await refusal('four-d');
    expect(error.code).toBe('DICOM_4D');
    expect(error.message).toMatch(/24 slices at only 12 distinct positions, e\.g\. IM\d+\.dcm and IM\d+\.dcm both at \(/);
  });

  it('a syntax it does not decode: DICOM_UNSUPPORTED_SYNTAX naming it', async () => {
    const error = await refusal('unsupported-syntax');
    expect(error.code).toBe('DICOM_UNSUPPORTED_SYNTAX');
    expect(error.message).toContain('JPEG-LS Lossless (1.2.840.10008.1.2.4.80)');
  });

  it('a folder with no CT series: DICOM_NO_SERIES saying what it holds', async () => {
    const error = await refusal('no-ct');
    expect(error.code).toBe('DICOM_NO_SERIES');
    expect(error.message).toMatch(/no CT series to read; found no image series \(skipped 1 RTSTRUCT object, 1 SEG object, 1 SR object\)/);
  });

  it('every refusal names its series', async () => {
    for (const name of ['missing-slice', 'uneven-spacing', 'mixed-orientation', 'mixed-size', 'gantry-tilt', 'four-d', 'unsupported-syntax']) {
      const error = await refusal(name);
      expect(error.details.series).toMatch(/^[\d.]+$/);
      expect(error.message).toContain(String(error.details.series));
    }
  });
});

describe('refusing zips', () => {
  it('a zip with ../ entries: ZIP_PATH_TRAVERSAL, and nothing is written anywhere', async () => {
    const zip = set.path('zip-traversal');
    const before = readdirSync(dirname(zip));
    const error = await refusal('zip-traversal');
    expect(error.code).toBe('ZIP_PATH_TRAVERSAL');
    expect(error.message).toContain('"../../escaped.dcm"');
    expect(readdirSync(dirname(zip))).toEqual(before);
    for (const base of [dirname(zip), process.cwd()]) expect(existsSync(resolve(base, '../../escaped.dcm'))).toBe(false);
  });

  it('absolute entry names are refused the same way', async () => {
    const bytes = zipSync({ '/etc/evil.dcm': new Uint8Array(10), 'ok/a.dcm': new Uint8Array(10) });
    await expect(readVolume(bytes)).rejects.toMatchObject({ code: 'ZIP_PATH_TRAVERSAL', message: expect.stringContaining('"/etc/evil.dcm"') });
  });

  it('a zip bomb (400 entries sharing one 32 MiB stream): ZIP_BOMB before inflating', async () => {
    const error = await refusal('zip-bomb');
    expect(error.code).toBe('ZIP_BOMB');
    expect(error.details).toMatchObject({ declaredBytes: 400 * 32 * 1024 * 1024 });
  });

  it('a zip past a smaller budget or entry count: ZIP_BOMB', async () => {
    const zip = readFileSync(set.path('zip'));
    await expect(readVolume(zip, { maxDecompressedBytes: 50_000 })).rejects.toMatchObject({ code: 'ZIP_BOMB' });
    await expect(readVolume(zip, { maxFiles: 3 })).rejects.toMatchObject({ code: 'ZIP_BOMB' });
  });

  it('an entry whose size lies: ZIP_INVALID', async () => {
    const bytes = zipSync({ 'a.dcm': new Uint8Array(4096).fill(7) }, { level: 6 });
    // Declare more than the stream holds, in the local header (offset 22) and the central directory (offset 24).
    const view = new DataView(bytes.buffer);
    const central = bytes.findIndex((_, i) => view.getUint32(i, true) === 0x02014b50);
    view.setUint32(22, 8192, true);
    view.setUint32(central + 24, 8192, true);
    await expect(readVolume(bytes)).rejects.toMatchObject({ code: 'ZIP_INVALID', message: expect.stringContaining('a.dcm inflates to 4096 bytes but declares 8192') });
  });

  it('a zip with no DICOM inside: DICOM_NO_SERIES', async () => {
    const bytes = zipSync({ 'notes/readme.txt': new TextEncoder().encode('hello') });
    await expect(readVolume(bytes)).rejects.toMatchObject({ code: 'DICOM_NO_SERIES', message: expect.stringContaining('not DICOM (notes/readme.txt)') });
  });
});
