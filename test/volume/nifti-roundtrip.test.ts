/**
 * Writing: read → write (.nii and .nii.gz) → read keeps values and geometry; headers carry the
 * affine in both qform and sform; 4D frames; atomic writes that never leave partial files; and,
 * where Debian's nibabel is installed, nibabel's own reading of what we wrote.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makeVolume } from '../../src/volume/volume.ts';
import {
  encodeFrames,
  encodeVolume,
  parseHeader,
  qformAffine,
  readVolume,
  writeFrames,
  writeVolume,
} from '../../src/volume/nifti/index.ts';
import type { Affine, Volume, VoxelArray } from '../../src/volume/types.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'nifti');
const exampleCt = join(root, '..', 'shared', 'data', 'ct', 'example_ct.nii.gz');
const scratch = mkdtempSync(join(tmpdir(), 'uniseg-nifti-write-'));

const inputs = [
  exampleCt,
  ...['nibabel', 'synthetic'].flatMap((folder) =>
    (JSON.parse(readFileSync(join(fixtures, folder, 'reference.json'), 'utf8')).files as { file: string }[]).map((f) => join(fixtures, folder, f.file)),
  ),
];

function header(bytes: Uint8Array) {
  const raw = bytes[0] === 0x1f ? new Uint8Array(gunzipSync(bytes)) : bytes;
  return parseHeader(raw, 'written');
}

function expectAffineClose(actual: Affine, expected: Affine, tol: number) {
  actual.forEach((row, r) => row.forEach((x, c) => expect(Math.abs(x - expected[r][c])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[r][c])))));
}

/** Rotation about z by t, then x by u, with voxel sizes and an optional left-handed flip. */
function obliqueAffine(t: number, u: number, zooms: [number, number, number], flip: boolean): number[][] {
  const rz = [
    [Math.cos(t), -Math.sin(t), 0],
    [Math.sin(t), Math.cos(t), 0],
    [0, 0, 1],
  ];
  const rx = [
    [1, 0, 0],
    [0, Math.cos(u), -Math.sin(u)],
    [0, Math.sin(u), Math.cos(u)],
  ];
  const m = rz.map((row) => [0, 1, 2].map((c) => row[0] * rx[0][c] + row[1] * rx[1][c] + row[2] * rx[2][c]));
  return [
    [...m[0].map((v, c) => v * zooms[c] * (flip && c === 2 ? -1 : 1)), 12.5],
    [...m[1].map((v, c) => v * zooms[c] * (flip && c === 2 ? -1 : 1)), -40.25],
    [...m[2].map((v, c) => v * zooms[c] * (flip && c === 2 ? -1 : 1)), 7],
    [0, 0, 0, 1],
  ];
}

function volumeOf(data: VoxelArray, affine: Affine = obliqueAffine(0.3, -0.2, [0.8, 1.1, 2.5], true)): Volume {
  return makeVolume(data, [5, 4, 3], affine);
}

describe('read → write → read', () => {
  for (const input of inputs) {
    it(input.split('/').slice(-2).join('/'), async () => {
      const original = await readVolume(input, { nonFinite: 'zero' });
      // A NIfTI-1 sform is float32, which the written sform keeps bit for bit.
      const exactAffine = original.source!.sformCode !== 0 && original.source!.niftiVersion === 1;
      for (const suffix of ['.nii', '.nii.gz']) {
        const path = join(scratch, `rt-${input.split('/').pop()}${suffix}`);
        await writeVolume(path, original);
        const bytes = new Uint8Array(readFileSync(path));
        expect(bytes[0] === 0x1f && bytes[1] === 0x8b).toBe(suffix === '.nii.gz');
        const again = await readVolume(path);
        expect([...again.shape]).toEqual([...original.shape]);
        expect(again.orientation).toEqual(original.orientation);
        if (exactAffine) expect(again.affine).toEqual(original.affine);
        else expectAffineClose(again.affine, original.affine, 1e-6);
        const h = header(bytes);
        expect([h.qformCode, h.sformCode, h.xyztUnits, h.version]).toEqual([1, 1, 2, 1]);
        expect(Math.abs(h.pixdim[0])).toBe(1);
        expectAffineClose(qformAffine(h, 'written'), original.affine, 1e-5);
        // Values: exact, except float64 input, which is written as float32.
        const float64 = original.data instanceof Float64Array;
        for (let i = 0; i < original.data.length; i++) {
          const want = float64 ? Math.fround(original.data[i]) : original.data[i];
          if (again.data[i] !== want) throw new Error(`${path}: voxel ${i} is ${again.data[i]}, wrote ${want}`);
        }
      }
    });
  }
});

describe('datatype choice', () => {
  it.each([
    ['labels 0..255', Uint8Array.from({ length: 60 }, (_, i) => i * 4), 'uint8'],
    ['labels past 255', Int32Array.from({ length: 60 }, (_, i) => i * 300), 'uint16'],
    ['negative integers', Int16Array.from({ length: 60 }, (_, i) => i - 1024), 'int16'],
    ['integers beyond int16 with negatives', Int32Array.from({ length: 60 }, (_, i) => (i - 30) * 5000), 'int32'],
    ['integers beyond int32', Uint32Array.from({ length: 60 }, (_, i) => 4e9 - i), 'uint32'],
    ['float probabilities', Float32Array.from({ length: 60 }, (_, i) => i / 60), 'float32'],
    ['float64 maps', Float64Array.from({ length: 60 }, (_, i) => i / 7), 'float32'],
  ])('%s', async (_name, data, expected) => {
    const v = await readVolume(encodeVolume(volumeOf(data)));
    expect(v.source!.datatype).toBe(expected);
    const exact = expected !== 'float32';
    for (let i = 0; i < data.length; i++) expect(v.data[i]).toBe(exact ? data[i] : Math.fround(data[i]));
  });

  it('honours an explicit datatype and refuses values it cannot hold', async () => {
    const probs = Float32Array.from({ length: 60 }, (_, i) => (i % 2) * 3);
    expect((await readVolume(encodeVolume(volumeOf(probs), { datatype: 'uint8' }))).data).toBeInstanceOf(Uint8Array);
    expect((await readVolume(encodeVolume(volumeOf(new Uint8Array(60)), { datatype: 'float32' }))).data).toBeInstanceOf(Float32Array);
    expect(() => encodeVolume(volumeOf(Float32Array.from({ length: 60 }, (_, i) => i / 2)), { datatype: 'int16' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', details: expect.objectContaining({ index: 1, voxel: 0.5 }) }),
    );
    expect(() => encodeVolume(volumeOf(Int32Array.from({ length: 60 }, () => 256)), { datatype: 'uint8' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

describe('geometry in the written header', () => {
  it('keeps a left-handed oblique affine through qform (qfac -1) and sform', async () => {
    const affine = obliqueAffine(0.7, 0.4, [0.7, 0.9, 3], true);
    const bytes = encodeVolume(volumeOf(new Uint8Array(60), affine));
    const h = header(bytes);
    expect(h.pixdim[0]).toBe(-1);
    expectAffineClose(qformAffine(h, 'written'), affine, 1e-5);
    expectAffineClose((await readVolume(bytes)).affine, affine, 1e-6);
  });

  it('keeps near-180° rotations (LAS/LPS grids) precise despite float32 quaternions', () => {
    // a = 0 for these; naive rounding of b, c, d would bring a back as ~3e-4 and the rotation
    // ~1e-4 off. Also the exact LPS case and a slightly tilted one.
    for (const affine of [
      obliqueAffine(Math.PI, 0, [0.7, 0.7, 1.25], false),
      obliqueAffine(Math.PI, 0.16, [2, 1.97, 2.2], true),
      obliqueAffine(Math.PI - 0.003, 0.001, [0.8, 0.8, 1], false),
    ]) {
      const h = header(encodeVolume(volumeOf(new Uint8Array(60), affine)));
      expectAffineClose(qformAffine(h, 'written'), affine, 2e-6);
    }
  });

  it('keeps a right-handed affine with qfac 1', () => {
    const affine = obliqueAffine(-1.2, 2.9, [1, 1, 1], false);
    const h = header(encodeVolume(volumeOf(new Uint8Array(60), affine)));
    expect(h.pixdim[0]).toBe(1);
    expectAffineClose(qformAffine(h, 'written'), affine, 1e-5);
  });

  it('keeps a sheared affine exactly in the sform (the qform gets the nearest rotation)', async () => {
    const affine = [
      [2, 0.5, 0, 1],
      [0, 2, 0, 2],
      [0, 0, 2, 3],
      [0, 0, 0, 1],
    ];
    const v = await readVolume(encodeVolume(volumeOf(new Uint8Array(60), affine)));
    expect(v.affine).toEqual(affine);
  });
});

describe('writeFrames', () => {
  const grid = obliqueAffine(0.1, 0.2, [1.5, 1.5, 2], false);
  const frames = [0, 1, 2].map((n) => volumeOf(Float32Array.from({ length: 60 }, (_, i) => (i + n * 100) / 1000), grid));

  it('writes one 4D file whose frames are the inputs', async () => {
    const path = join(scratch, 'frames.nii.gz');
    await writeFrames(path, frames);
    const bytes = new Uint8Array(gunzipSync(readFileSync(path)));
    const h = header(bytes);
    expect(h.dim.slice(0, 5)).toEqual([4, 5, 4, 3, 3]);
    const all = new Float32Array(bytes.buffer.slice(352));
    expect(all).toEqual(Float32Array.from(frames.flatMap((f) => [...f.data])));
    const v = await readVolume(path);
    expect(v.data).toEqual(frames[0].data);
    expect(v.source!.frames).toBe(3);
    expect(v.source!.warnings).toContain('4D file with 3 volumes: read the first');
  });

  it('refuses frames on different grids', async () => {
    const other = volumeOf(new Float32Array(60), obliqueAffine(0.1, 0.2, [1.5, 1.5, 2.01], false));
    expect(() => encodeFrames([frames[0], other])).toThrow(expect.objectContaining({ code: 'VOLUME_INVALID' }));
    const reshaped = makeVolume(new Float32Array(60), [3, 4, 5], grid);
    expect(() => encodeFrames([frames[0], reshaped])).toThrow(expect.objectContaining({ code: 'VOLUME_INVALID' }));
    await expect(writeFrames(join(scratch, 'mixed.nii'), [frames[0], other])).rejects.toMatchObject({ code: 'NIFTI_WRITE_FAILED' });
    expect(existsSync(join(scratch, 'mixed.nii'))).toBe(false);
    expect(() => encodeFrames([])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('atomic writes', () => {
  const leftovers = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.tmp'));

  it('fails cleanly into a missing directory', async () => {
    const path = join(scratch, 'no-such-dir', 'out.nii.gz');
    const error = await writeVolume(path, volumeOf(new Uint8Array(60))).catch((e) => e);
    expect(error).toMatchObject({ code: 'NIFTI_WRITE_FAILED', details: { file: path, reason: 'ENOENT' } });
    expect(error.message).toContain(path);
    expect(existsSync(path)).toBe(false);
  });

  it('fails cleanly onto a directory and leaves no temp file', async () => {
    const dir = join(scratch, 'atomic');
    mkdirSync(join(dir, 'taken.nii'), { recursive: true });
    await expect(writeVolume(join(dir, 'taken.nii'), volumeOf(new Uint8Array(60)))).rejects.toMatchObject({ code: 'NIFTI_WRITE_FAILED' });
    expect(leftovers(dir)).toEqual([]);
  });

  it('leaves an existing file untouched when the write fails', async () => {
    const dir = join(scratch, 'keep');
    mkdirSync(dir);
    const path = join(dir, 'keep.nii');
    writeFileSync(path, 'previous');
    const tooBig = volumeOf(Int32Array.from({ length: 60 }, () => 1000));
    await expect(writeVolume(path, tooBig, { datatype: 'uint8' })).rejects.toMatchObject({
      code: 'NIFTI_WRITE_FAILED',
      details: { reason: 'INVALID_ARGUMENT' },
    });
    expect(readFileSync(path, 'utf8')).toBe('previous');
    expect(leftovers(dir)).toEqual([]);
  });

  it('fails cleanly in a read-only directory (skipped when running as root)', async (ctx) => {
    if (process.getuid?.() === 0) ctx.skip();
    const { chmodSync } = await import('node:fs');
    const dir = join(scratch, 'readonly');
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    try {
      await expect(writeVolume(join(dir, 'x.nii'), volumeOf(new Uint8Array(60)))).rejects.toMatchObject({ code: 'NIFTI_WRITE_FAILED' });
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      chmodSync(dir, 0o755);
    }
  });
});

/** nibabel's reading of what we wrote; needs Debian's /usr/bin/python3 with nibabel (CI lacks it). */
const hasNibabel = spawnSync('/usr/bin/python3', ['-c', 'import nibabel'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasNibabel)('nibabel reads what uniseg writes', () => {
  it('same affine from qform and sform, same values', async () => {
    const cases: [string, Volume][] = [
      ['ct.nii.gz', await readVolume(exampleCt)],
      ['oblique-lh.nii', volumeOf(Int16Array.from({ length: 60 }, (_, i) => i - 30), obliqueAffine(0.7, 0.4, [0.7, 0.9, 3], true))],
      ['oblique-rh.nii.gz', volumeOf(Float32Array.from({ length: 60 }, (_, i) => i / 3), obliqueAffine(-1.2, 2.9, [1, 1.2, 1], false))],
      ['labels.nii.gz', volumeOf(Uint16Array.from({ length: 60 }, (_, i) => i * 500))],
      ['near-180.nii', volumeOf(new Int8Array(60).fill(-3), obliqueAffine(Math.PI, 0.16, [2, 1.97, 2.2], true))],
    ];
    const paths = [];
    for (const [name, v] of cases) {
      const path = join(scratch, `nib-${name}`);
      await writeVolume(path, v);
      paths.push(path);
    }
    const run = spawnSync('/usr/bin/python3', [join(root, 'test', 'fixtures', 'nifti', 'make.py'), 'inspect', ...paths], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout);
    cases.forEach(([, v], n) => {
      const nib = seen[n];
      expect([nib.qform_code, nib.sform_code]).toEqual([1, 1]);
      expect(nib.shape).toEqual([...v.shape]);
      expectAffineClose(nib.qform, v.affine, 2e-6);
      expectAffineClose(nib.sform, v.affine, 1e-6);
      expect(nib.axcodes.join('')).toBe(v.orientation.join(''));
      let sum = 0;
      for (let i = 0; i < v.data.length; i++) sum += Math.fround(v.data[i]);
      expect(Math.abs(nib.sum - sum)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(sum)));
      for (const p of nib.probes) {
        const [i, j, k] = p.index;
        expect(p.value).toBe(Math.fround(v.data[i + v.shape[0] * (j + v.shape[1] * k)]));
      }
    });
  });
});
