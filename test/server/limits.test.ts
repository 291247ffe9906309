/** 413s: bodies over the upload limit (declared or streamed), voxel bombs and gzip bombs, in little memory. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../src/models/package.ts';
import { createApp } from '../../src/server/index.ts';
import { errorOf, gzipBomb, PLAIN, smallCt, voxelBomb } from './helpers.ts';

let model: Model;
beforeAll(async () => {
  model = await loadModel(PLAIN, { threads: 1 });
});
afterAll(() => model.close());

const MB = 1024 * 1024;
const post = (body: RequestInit['body'], headers: Record<string, string> = {}) => ({ method: 'POST', body, headers, duplex: 'half' }) as RequestInit;

/** An endless body of 64 KB chunks that counts how much was pulled from it. */
function endlessBody() {
  const chunk = new Uint8Array(64 * 1024);
  let pulled = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += chunk.length;
      controller.enqueue(chunk);
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, pulled: () => pulled, cancelled: () => cancelled };
}

describe('upload limit', () => {
  it('refuses a declared content-length over the limit before reading the body', async () => {
    const app = createApp(model, { limits: { maxUploadBytes: 1000 } });
    const body = endlessBody();
    const res = await app.request('/segment?prompt=liver', post(body.stream, { 'content-length': String(10 * MB) }));
    expect(res.status).toBe(413);
    const error = await errorOf(res);
    expect(error.code).toBe('UPLOAD_TOO_LARGE');
    expect(error.details).toMatchObject({ maxUploadBytes: 1000, contentLength: 10 * MB });
    expect(body.pulled()).toBeLessThanOrEqual(64 * 1024);
  });

  it('stops reading a streamed body as soon as it passes the limit', async () => {
    const app = createApp(model, { limits: { maxUploadBytes: MB } });
    const body = endlessBody();
    const res = await app.request('/segment?prompt=liver', post(body.stream));
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('UPLOAD_TOO_LARGE');
    // The limit plus at most the chunks already queued by the stream: never the (endless) rest.
    expect(body.pulled()).toBeLessThan(MB + 8 * 64 * 1024);
    expect(body.cancelled()).toBe(true);
  });

  it('accepts a body just under the limit', async () => {
    const ct = smallCt();
    const res = await createApp(model, { limits: { maxUploadBytes: ct.length } }).request('/segment?prompt=liver', post(ct));
    expect(res.status).toBe(200);
  });
});

describe('decoded-size limits', () => {
  it('answers 413 NIFTI_TOO_LARGE for a header declaring 10^12 voxels, without allocating them', async () => {
    const before = process.memoryUsage().rss;
    const res = await createApp(model).request('/segment?prompt=liver', post(voxelBomb()));
    expect(res.status).toBe(413);
    const error = await errorOf(res);
    expect(error.code).toBe('NIFTI_TOO_LARGE');
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * MB);
  });

  it('honours a lower --max-voxels on an ordinary CT', async () => {
    const res = await createApp(model, { limits: { maxVoxels: 1000 } }).request('/segment?prompt=liver', post(smallCt()));
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('NIFTI_TOO_LARGE');
  });

  it('answers 413 NIFTI_DECOMPRESSION_LIMIT for 200 MB of gzip-compressed zeros behind a small header, in little memory', async () => {
    const before = process.memoryUsage().rss;
    const bomb = await gzipBomb(200 * MB);
    expect(bomb.length).toBeLessThan(2 * MB);
    const res = await createApp(model).request('/volumes', post(bomb, { 'content-type': 'application/gzip' }));
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('NIFTI_DECOMPRESSION_LIMIT');
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * MB);
  });

  it('honours --max-decompressed-mb on an ordinary .nii.gz', async () => {
    const res = await createApp(model, { limits: { maxDecompressedBytes: 4096 } }).request('/segment?prompt=liver', post(smallCt()));
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('NIFTI_DECOMPRESSION_LIMIT');
  });
});
