/**
 * uniseg's reader against nibabel: the real CT sample and every committed fixture must give
 * nibabel's shape, affine, axis codes, datatype and (scaled, first-volume) values.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NIFTI1, NIFTI2 } from 'nifti-reader-js';
import { describe, expect, it } from 'vitest';
import { parseHeader, readVolume } from '../../src/volume/nifti/index.ts';
import type { Volume } from '../../src/volume/types.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'nifti');
const ctDir = join(root, '..', 'shared', 'data', 'ct');

interface Probe {
  index: [number, number, number];
  value: number;
}
interface Reference {
  file: string;
  nifti_version: 1 | 2;
  shape: [number, number, number];
  frames: number;
  dtype: string;
  little_endian: boolean;
  affine: number[][];
  qform_code: number;
  sform_code: number;
  axcodes: string[];
  scaled: boolean;
  nonfinite: number;
  min: number;
  max: number;
  mean: number;
  sum: number;
  probes: Probe[];
}

function loadReference(folder: string): Reference[] {
  return JSON.parse(readFileSync(join(fixtures, folder, 'reference.json'), 'utf8')).files;
}

function at(v: Volume, [i, j, k]: readonly number[]): number {
  return v.data[i + v.shape[0] * (j + v.shape[1] * k)];
}

function stats(v: Volume) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let n = 0; n < v.data.length; n++) {
    const x = v.data[n];
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  return { min, max, sum, mean: sum / v.data.length };
}

/** Float32 results of scaled data differ from nibabel's float64 by float32 rounding. */
function close(actual: number, expected: number, rel: number) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));
}

function checkAgainst(v: Volume, ref: Reference) {
  expect([...v.shape]).toEqual(ref.shape);
  v.affine.forEach((row, r) => row.forEach((x, c) => close(x, ref.affine[r][c], 1e-6)));
  expect(v.orientation.join('')).toBe(ref.axcodes.join(''));
  const src = v.source!;
  expect(src.frames).toBe(ref.frames);
  expect(src.datatype).toBe(ref.dtype);
  expect(src.niftiVersion).toBe(ref.nifti_version);
  expect(src.littleEndian).toBe(ref.little_endian);
  expect(src.sformCode).toBe(ref.sform_code);
  expect(src.qformCode).toBe(ref.qform_code);
  if (ref.frames > 1) expect(src.warnings).toContain(`4D file with ${ref.frames} volumes: read the first`);
  // Unscaled data keeps its on-disk type; scaled data becomes float32.
  expect(v.data.constructor.name).toBe(
    ref.scaled ? 'Float32Array' : { uint8: 'Uint8Array', int8: 'Int8Array', int16: 'Int16Array', uint16: 'Uint16Array', int32: 'Int32Array', uint32: 'Uint32Array', float32: 'Float32Array', float64: 'Float64Array' }[ref.dtype],
  );
  const rel = ref.scaled || ref.dtype === 'float32' ? 1e-6 : 0;
  const s = stats(v);
  close(s.min, ref.min, rel);
  close(s.max, ref.max, rel);
  close(s.mean, ref.mean, rel || 1e-12);
  close(s.sum, ref.sum, rel || 1e-12);
  for (const p of ref.probes) close(at(v, p.index), p.value, rel);
}

describe('real CT sample (example_ct.nii.gz) against nibabel', () => {
  const ref = JSON.parse(readFileSync(join(ctDir, 'example_ct.reference.json'), 'utf8'))[0];

  it('reads shape, affine, orientation, datatype and values', async () => {
    const v = await readVolume(join(ctDir, 'example_ct.nii.gz'));
    expect([...v.shape]).toEqual(ref.shape);
    v.affine.forEach((row, r) => row.forEach((x, c) => expect(Math.abs(x - ref.affine[r][c])).toBeLessThan(1e-4)));
    expect(v.orientation).toEqual(['R', 'A', 'S']);
    expect(v.source!.datatype).toBe('int32');
    expect(v.data).toBeInstanceOf(Int32Array);
    expect([...v.spacing]).toEqual(ref.zooms);
    const s = stats(v);
    expect(s.min).toBe(ref.min);
    expect(s.max).toBe(ref.max);
    expect(s.sum).toBe(ref.sum);
    close(s.mean, ref.mean, 1e-12);
    for (const p of ref.probes) expect(at(v, p.index)).toBe(p.value);
  });

  it('reads the same from bytes in memory as from the path', async () => {
    const bytes = readFileSync(join(ctDir, 'example_ct.nii.gz'));
    const fromBytes = await readVolume(new Uint8Array(bytes));
    const fromPath = await readVolume(join(ctDir, 'example_ct.nii.gz'));
    expect(fromBytes.source!.path).toBe('<bytes>');
    expect(Buffer.from(fromBytes.data.buffer).equals(Buffer.from(fromPath.data.buffer))).toBe(true);
  });
});

for (const folder of ['nibabel', 'synthetic']) {
  describe(`${folder} fixtures against nibabel's reference.json`, () => {
    for (const ref of loadReference(folder)) {
      it(ref.file, async () => {
        const path = join(fixtures, folder, ref.file);
        if (ref.nonfinite > 0) {
          await expect(readVolume(path)).rejects.toMatchObject({ code: 'NIFTI_NONFINITE', details: { count: ref.nonfinite } });
          const v = await readVolume(path, { nonFinite: 'zero' });
          expect(v.source!.warnings.some((w) => w.startsWith(`${ref.nonfinite} NaN/infinite voxel(s) replaced by 0`))).toBe(true);
          checkAgainst(v, ref);
        } else {
          checkAgainst(await readVolume(path), ref);
          // In-memory input goes through the same decisions.
          checkAgainst(await readVolume(new Uint8Array(readFileSync(path))), ref);
        }
      });
    }
  });
}

describe('raw header fields agree with nifti-reader-js', () => {
  // nifti-reader-js is a second, independent parser of the raw fields (its affine rule differs
  // from nibabel's, so only raw fields are compared).
  const files = [...loadReference('nibabel').map((r) => join('nibabel', r.file)), ...loadReference('synthetic').map((r) => join('synthetic', r.file))];
  for (const file of files) {
    it(file, () => {
      let bytes = readFileSync(join(fixtures, file));
      if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
      const ours = parseHeader(new Uint8Array(bytes), file);
      const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
      const theirs = ours.version === 1 ? new NIFTI1() : new NIFTI2();
      theirs.readHeader(ab);
      expect(ours.littleEndian).toBe(theirs.littleEndian);
      expect(ours.dim).toEqual(theirs.dims);
      expect(ours.pixdim).toEqual(theirs.pixDims);
      expect(ours.datatypeCode).toBe(theirs.datatypeCode);
      expect(ours.voxOffset).toBe(theirs.vox_offset);
      expect(ours.qformCode).toBe(theirs.qform_code);
      expect(ours.sformCode).toBe(theirs.sform_code);
      expect([...ours.quatern]).toEqual([theirs.quatern_b, theirs.quatern_c, theirs.quatern_d]);
      expect([...ours.qoffset]).toEqual([theirs.qoffset_x, theirs.qoffset_y, theirs.qoffset_z]);
      expect(Object.is(ours.sclSlope, theirs.scl_slope) || ours.sclSlope === theirs.scl_slope).toBe(true);
    });
  }
});
