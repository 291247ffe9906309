/**
 * Every way a NIfTI input can be wrong gives its own typed error naming the file, the field and
 * the value. Bad files are crafted here from a valid encoded volume by patching header bytes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { identityAffine } from '../../src/volume/affine.ts';
import { makeVolume } from '../../src/volume/volume.ts';
import { DECOMPRESSION_SLACK_BYTES, encodeVolume, readVolume } from '../../src/volume/nifti/index.ts';
import type { VoxelArray } from '../../src/volume/types.ts';

const here = dirname(fileURLToPath(import.meta.url));
const nifti2Fixture = join(here, '..', 'fixtures', 'nifti', 'synthetic', 'nifti2_float32.nii');
const scratch = mkdtempSync(join(tmpdir(), 'uniseg-nifti-errors-'));

/** A valid little-endian NIfTI-1 file of an 8x8x8 int16 ramp (352-byte header + 1024 bytes). */
function valid(data: VoxelArray = Int16Array.from({ length: 512 }, (_, i) => i)): Buffer {
  return encodeVolume(makeVolume(data, [8, 8, 8], identityAffine()));
}

function patched(bytes: Buffer, edit: (v: DataView) => void): Uint8Array {
  const copy = new Uint8Array(bytes);
  edit(new DataView(copy.buffer));
  return copy;
}

const DIM = (n: number) => 40 + 2 * n;

async function rejection(input: string | Uint8Array, options?: Parameters<typeof readVolume>[1]) {
  try {
    await readVolume(input, options);
  } catch (error) {
    return error as { code: string; message: string; details: Record<string, unknown> };
  }
  throw new Error('expected readVolume to reject');
}

describe('not NIfTI', () => {
  it('refuses text with the sizeof_hdr value', async () => {
    const e = await rejection(new Uint8Array(Buffer.from('hello, this is not an image at all '.repeat(20))));
    expect(e.code).toBe('NIFTI_NOT_NIFTI');
    expect(e.message).toContain('<bytes>');
    expect(e.message).toContain('sizeof_hdr');
  });

  it('refuses a wrong sizeof_hdr', async () => {
    const e = await rejection(patched(valid(), (v) => v.setInt32(0, 349, true)));
    expect(e.code).toBe('NIFTI_NOT_NIFTI');
    expect(e.details).toMatchObject({ field: 'sizeof_hdr', value: 349 });
  });

  it('refuses a bad magic', async () => {
    const e = await rejection(patched(valid(), (v) => v.setUint8(344, 'x'.charCodeAt(0))));
    expect(e.code).toBe('NIFTI_NOT_NIFTI');
    expect(e.details.field).toBe('magic');
  });

  it('refuses the header of a .hdr/.img pair with a clear reason', async () => {
    const e = await rejection(patched(valid(), (v) => v.setUint8(345, 'i'.charCodeAt(0))));
    expect(e.code).toBe('NIFTI_BAD_HEADER');
    expect(e.message).toContain('.hdr/.img pair');
  });

  it('refuses empty and tiny input', async () => {
    expect((await rejection(new Uint8Array(0))).code).toBe('NIFTI_NOT_NIFTI');
    expect((await rejection(new Uint8Array([1, 2]))).code).toBe('NIFTI_NOT_NIFTI');
  });
});

describe('truncation', () => {
  it('refuses a truncated header, saying bytes expected vs present', async () => {
    const e = await rejection(valid().subarray(0, 200));
    expect(e.code).toBe('NIFTI_TRUNCATED');
    expect(e.details).toMatchObject({ expectedBytes: 348, presentBytes: 200 });
    const gz = await rejection(zlib.gzipSync(valid().subarray(0, 200)));
    expect(gz.code).toBe('NIFTI_TRUNCATED');
  });

  it('refuses truncated voxel data (plain and gzip)', async () => {
    const bytes = valid();
    const e = await rejection(bytes.subarray(0, bytes.length - 100));
    expect(e.code).toBe('NIFTI_TRUNCATED');
    expect(e.details).toMatchObject({ expectedBytes: 352 + 1024, presentBytes: 352 + 1024 - 100 });
    const gz = await rejection(zlib.gzipSync(bytes.subarray(0, bytes.length - 100)));
    expect(gz.code).toBe('NIFTI_TRUNCATED');
    expect(gz.message).toContain('expected 1376');
  });

  it('refuses a header that claims more data than the file holds', async () => {
    const e = await rejection(patched(valid(), (v) => v.setInt16(DIM(3), 16, true)));
    expect(e.code).toBe('NIFTI_TRUNCATED');
    expect(e.details).toMatchObject({ expectedBytes: 352 + 2048, presentBytes: 352 + 1024 });
    // A 4D header whose later volumes are missing is caught too (for uncompressed input).
    const four = await rejection(
      patched(valid(), (v) => {
        v.setInt16(DIM(0), 4, true);
        v.setInt16(DIM(4), 3, true);
      }),
    );
    expect(four.code).toBe('NIFTI_TRUNCATED');
    expect(four.message).toContain('3 volumes');
  });

  it('refuses a gzip stream cut short, with the zlib message', async () => {
    const gz = zlib.gzipSync(valid());
    const e = await rejection(gz.subarray(0, gz.length - 20));
    expect(e.code).toBe('NIFTI_TRUNCATED');
    expect(String(e.details.zlib)).toMatch(/unexpected end of file/);
  });

  it('refuses corrupt gzip data, with the zlib message', async () => {
    const gz = Buffer.from(zlib.gzipSync(Buffer.concat([valid(), Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 251))])));
    for (let i = 20; i < 60; i++) gz[i] ^= 0xa5;
    const e = await rejection(gz);
    expect(e.code).toBe('NIFTI_NOT_NIFTI');
    expect(e.details.zlib).toMatch(/invalid/);
    expect(e.message).toContain(String(e.details.zlib));
  });

  it('refuses a gzip whose CRC does not match (the stream is read to its end)', async () => {
    const gz = Buffer.from(zlib.gzipSync(valid()));
    gz[gz.length - 6] ^= 1;
    const e = await rejection(gz);
    expect(e.code).toBe('NIFTI_NOT_NIFTI');
    expect(e.details.zlib).toBe('incorrect data check');
  });
});

describe('dimensions', () => {
  it.each([
    ['dim[2] = 0', 2, 0],
    ['dim[3] = -3', 3, -3],
  ])('refuses %s', async (_name, n, value) => {
    const e = await rejection(patched(valid(), (v) => v.setInt16(DIM(n), value, true)));
    expect(e.code).toBe('NIFTI_BAD_DIMENSION');
    expect(e.details).toMatchObject({ field: `dim[${n}]`, value });
    expect(e.message).toContain(`dim[${n}] is ${value}`);
  });

  it.each([0, 8, -1])('refuses dim[0] = %i', async (value) => {
    const e = await rejection(patched(valid(), (v) => v.setInt16(DIM(0), value, true)));
    expect(e.code).toBe('NIFTI_BAD_DIMENSION');
    expect(e.details).toMatchObject({ field: 'dim[0]', value });
  });

  it('refuses 10^12 voxels from the header alone, without allocating', async () => {
    const bytes = patched(valid(), (v) => [1, 2, 3].forEach((n) => v.setInt16(DIM(n), 10000, true)));
    const rss = process.memoryUsage().rss;
    const t = performance.now();
    const e = await rejection(bytes);
    expect(e.code).toBe('NIFTI_TOO_LARGE');
    expect(e.details).toMatchObject({ voxels: 1e12 });
    expect(performance.now() - t).toBeLessThan(200);
    expect(process.memoryUsage().rss - rss).toBeLessThan(20 * 2 ** 20);
    // Also from gzip: refused after the header, before any data buffer exists.
    expect((await rejection(zlib.gzipSync(bytes))).code).toBe('NIFTI_TOO_LARGE');
  });

  it('honours maxVoxels', async () => {
    const e = await rejection(valid(), { maxVoxels: 511 });
    expect(e.code).toBe('NIFTI_TOO_LARGE');
    expect(e.details).toMatchObject({ voxels: 512, maxVoxels: 511 });
    await expect(readVolume(valid(), { maxVoxels: 512 })).resolves.toBeTruthy();
  });

  it('refuses NIfTI-2 dimensions beyond any safe size', async () => {
    const bytes = patched(readFileSync(nifti2Fixture), (v) => v.setBigInt64(16 + 8 * 2, 2n ** 62n, true));
    expect((await rejection(bytes)).code).toBe('NIFTI_BAD_DIMENSION');
    const big = patched(readFileSync(nifti2Fixture), (v) => v.setBigInt64(16 + 8 * 2, 2n ** 40n, true));
    expect((await rejection(big)).code).toBe('NIFTI_TOO_LARGE');
  });
});

describe('datatypes', () => {
  it.each([
    [32, 'complex64'],
    [128, 'RGB24'],
    [1024, 'int64'],
  ])('refuses datatype %i (%s), naming the code', async (code, name) => {
    const e = await rejection(patched(valid(), (v) => v.setInt16(70, code, true)));
    expect(e.code).toBe('NIFTI_UNSUPPORTED_DATATYPE');
    expect(e.message).toContain(`datatype code ${code} (${name})`);
    expect(e.details).toMatchObject({ field: 'datatype', value: code });
  });
});

describe('non-finite voxels', () => {
  const data = Float32Array.from({ length: 512 }, (_, i) => i / 10);
  data[5] = Number.NaN;
  data[9] = Number.POSITIVE_INFINITY;
  data[300] = Number.NEGATIVE_INFINITY;
  const bytes = valid(data);

  it('refuses NaN/Inf by default with count and first index', async () => {
    const e = await rejection(bytes);
    expect(e.code).toBe('NIFTI_NONFINITE');
    expect(e.details).toMatchObject({ count: 3, firstIndex: 5 });
  });

  it("replaces them with 0 and warns under nonFinite: 'zero', leaving the caller's bytes alone", async () => {
    const input = new Uint8Array(bytes);
    const before = Buffer.from(input);
    const v = await readVolume(input, { nonFinite: 'zero' });
    expect([v.data[5], v.data[9], v.data[300], v.data[6]]).toEqual([0, 0, 0, data[6]]);
    expect(v.source!.warnings).toContain('3 NaN/infinite voxel(s) replaced by 0 (first at flat index 5)');
    expect(Buffer.from(input).equals(before)).toBe(true);
  });

  it('applies scl_slope/scl_inter to integer data as float32', async () => {
    const scaled = patched(valid(), (v) => {
      v.setFloat32(112, 2, true);
      v.setFloat32(116, -1, true);
    });
    const v = await readVolume(scaled);
    expect(v.data).toBeInstanceOf(Float32Array);
    expect([v.data[0], v.data[10]]).toEqual([-1, 19]);
  });

  it('refuses a usable slope with a non-finite intercept', async () => {
    const bad = patched(valid(), (v) => {
      v.setFloat32(112, 2, true);
      v.setFloat32(116, Number.NaN, true);
    });
    expect(await rejection(bad)).toMatchObject({ code: 'NIFTI_BAD_HEADER', details: { field: 'scl_inter' } });
  });
});

describe('gzip bombs and decompression limits', () => {
  /** A valid 8x8x8 int16 file followed by 200 MB of zeros, gzip level 9, built without holding 200 MB. */
  async function bomb(): Promise<Buffer> {
    const gzip = zlib.createGzip({ level: 9, chunkSize: 1 << 20 });
    const parts: Buffer[] = [];
    gzip.on('data', (c: Buffer) => parts.push(c));
    const done = new Promise((resolve) => gzip.on('end', resolve));
    gzip.write(valid());
    const zeros = Buffer.alloc(1 << 20);
    for (let i = 0; i < 200; i++) {
      if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
    }
    gzip.end();
    await done;
    return Buffer.concat(parts);
  }

  it('stops a 200 MB bomb quickly and cheaply (bytes and path)', async () => {
    const bytes = await bomb();
    expect(bytes.length).toBeLessThan(1 << 20);
    const path = join(scratch, 'bomb.nii.gz');
    writeFileSync(path, bytes);
    for (const input of [new Uint8Array(bytes), path]) {
      const rss = process.memoryUsage().rss;
      const t = performance.now();
      const e = await rejection(input);
      const ms = performance.now() - t;
      expect(e.code).toBe('NIFTI_DECOMPRESSION_LIMIT');
      expect(e.details.limitBytes).toBe(352 + 1024 + DECOMPRESSION_SLACK_BYTES);
      expect(e.message).toContain(typeof input === 'string' ? path : '<bytes>');
      expect(ms).toBeLessThan(1000);
      expect(process.memoryUsage().rss - rss).toBeLessThan(40 * 2 ** 20);
    }
  }, 60_000);

  it('stops a 4D gzip after the first volume: later bytes are never decompressed', async () => {
    const header4d = patched(valid(), (v) => {
      v.setInt16(DIM(0), 4, true);
      v.setInt16(DIM(4), 1000, true);
    });
    // Volume 1 of 1000 is present; the rest of the stream is cut off mid-way, which would be a
    // NIFTI_TRUNCATED error if the reader went on past the first volume.
    const gz = zlib.gzipSync(Buffer.concat([header4d, Buffer.alloc(50_000, 7)]));
    const v = await readVolume(gz.subarray(0, gz.length - 30));
    expect(v.data[300]).toBe(300);
    expect(v.source!.frames).toBe(1000);
    expect(v.source!.warnings).toContain('4D file with 1000 volumes: read the first');
  });

  it('tolerates a little trailing data within the slack', async () => {
    const gz = zlib.gzipSync(Buffer.concat([valid(), Buffer.alloc(1000)]));
    const v = await readVolume(gz);
    expect(v.data[511]).toBe(511);
  });

  it('honours maxDecompressedBytes before inflating the data', async () => {
    const e = await rejection(zlib.gzipSync(valid()), { maxDecompressedBytes: 1000 });
    expect(e.code).toBe('NIFTI_DECOMPRESSION_LIMIT');
    expect(e.details).toMatchObject({ neededBytes: 1376, maxDecompressedBytes: 1000 });
  });

  it('refuses a gzip whose vox_offset points far past the data', async () => {
    const e = await rejection(zlib.gzipSync(patched(valid(), (v) => v.setFloat32(108, 2 ** 40, true))));
    expect(e.code).toBe('NIFTI_DECOMPRESSION_LIMIT');
  });
});

describe('files and options', () => {
  it('reports a missing file as FILE_NOT_FOUND naming it', async () => {
    const path = join(scratch, 'nope', 'missing.nii.gz');
    const e = await rejection(path);
    expect(e.code).toBe('FILE_NOT_FOUND');
    expect(e.message).toContain(path);
    expect((await rejection(scratch)).code).toBe('FILE_NOT_FOUND');
  });

  it('rejects nonsense options', async () => {
    expect((await rejection(valid(), { maxVoxels: 0 })).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(valid(), { nonFinite: 'skip' as 'zero' })).code).toBe('INVALID_ARGUMENT');
  });

  it('reads data after the header when vox_offset is 0, with a warning', async () => {
    const v = await readVolume(patched(valid(), (d) => d.setFloat32(108, 0, true)));
    expect(v.data[100]).toBe(100);
    expect(v.source!.warnings.join()).toContain('vox_offset is 0');
  });

  it('reads a file smaller than the NIfTI-2 header window (1 voxel, gzip) and a 2D image', async () => {
    const one = encodeVolume(makeVolume(Uint8Array.of(7), [1, 1, 1], identityAffine()));
    expect(one.length).toBe(353);
    expect([...(await readVolume(zlib.gzipSync(one))).data]).toEqual([7]);
    const flat = await readVolume(patched(valid(), (v) => v.setInt16(DIM(0), 2, true)));
    expect([...flat.shape]).toEqual([8, 8, 1]);
    expect(flat.data[63]).toBe(63);
  });

  it('detects gzip by magic, not by name', async () => {
    const path = join(scratch, 'really-gzip.nii');
    writeFileSync(path, zlib.gzipSync(valid()));
    expect((await readVolume(path)).data[42]).toBe(42);
    const plain = join(scratch, 'really-plain.nii.gz');
    writeFileSync(plain, valid());
    expect((await readVolume(plain)).data[42]).toBe(42);
  });
});
