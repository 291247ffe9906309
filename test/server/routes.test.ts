/** Every route through app.request(): answers, the request log, and the error statuses of bad input. */
import { randomUUID } from 'node:crypto';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { createApp } from '../../src/server/index.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { errorOf, memoryLogger, PLAIN, smallCt, tinyNifti } from './helpers.ts';

let model: Model;
beforeAll(async () => {
  model = await loadModel(PLAIN, { threads: 1 });
});
afterAll(() => model.close());

const post = (body: RequestInit['body'], headers: Record<string, string> = {}) => ({ method: 'POST', body, headers: { 'content-type': 'application/octet-stream', ...headers } });

describe('POST /segment', () => {
  it('answers one prompt with its mask as .nii.gz on the upload grid, equal to the library result', async () => {
    const app = createApp(model);
    const res = await app.request('/segment?prompt=liver', post(smallCt()));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const mask = await readVolume(bytes);
    const ct = await readVolume(smallCt());
    expect(mask.shape).toEqual(ct.shape);
    expect(mask.affine.flat().every((v, i) => Math.abs(v - ct.affine.flat()[i]) < 1e-4)).toBe(true);
    const expected = await segmentWithModel(model, ct, 'liver');
    expect(Array.from(mask.data)).toEqual(Array.from(expected.prompts[0].mask.data));
  });

  it('merges several prompts into one label map (value i = i-th prompt)', async () => {
    const res = await createApp(model).request('/segment?prompt=liver&prompt=spleen', post(smallCt(), { 'content-type': 'application/gzip' }));
    expect(res.status).toBe(200);
    const labels = await readVolume(new Uint8Array(await res.arrayBuffer()));
    expect(new Set(labels.data)).toEqual(new Set([0, 1, 2]));
  });

  it('reports per-prompt stats, routes and timings with format=json, and logs the request and the selections', async () => {
    const { logger, lines } = memoryLogger();
    const res = await createApp(model, { logger }).request('/segment?prompt=liver&prompt=spleen&format=json', post(smallCt()));
    expect(res.status).toBe(200);
    const report = (await res.json()) as { prompts: Record<string, unknown>[]; grid: { shape: number[] }; timings: Record<string, number> };
    expect(report.prompts.map((p) => [p.prompt, p.task, p.label, p.route])).toEqual([
      ['liver', 'liver', 1, { kind: 'fixed' }],
      ['spleen', 'spleen', 2, { kind: 'fixed' }],
    ]);
    expect(report.prompts[1].voxels).toBe(2209);
    expect(report.prompts[0].volume_ml).toBeGreaterThan(0);
    expect(typeof report.prompts[0].mean_hu).toBe('number');
    expect(report.grid.shape).toEqual([16, 20, 30]);
    expect(report.timings.totalMs).toBeGreaterThan(0);
    expect(lines.filter((l) => l.msg === 'prompt resolved').map((l) => l.task)).toEqual(['liver', 'spleen']);
    const request = lines.find((l) => l.msg === 'request');
    expect(request).toMatchObject({ method: 'POST', path: '/segment', status: 200, prompts: ['liver', 'spleen'], routes: ['fixed', 'fixed'] });
    expect(request?.ms).toBeGreaterThan(0);
  });

  it('accepts a missing content-type and curl\'s form default, refuses clearly other types with 415', async () => {
    const app = createApp(model);
    const bare = await app.request('/segment?prompt=liver', { method: 'POST', body: smallCt() });
    expect(bare.status).toBe(200);
    const curl = await app.request('/segment?prompt=liver', post(smallCt(), { 'content-type': 'application/x-www-form-urlencoded' }));
    expect(curl.status).toBe(200);
    for (const type of ['application/json', 'text/plain; charset=utf-8', 'multipart/form-data; boundary=x']) {
      const res = await app.request('/segment?prompt=liver', post(smallCt(), { 'content-type': type }));
      expect(res.status, type).toBe(415);
      expect((await errorOf(res)).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('answers 415 NIFTI_NOT_NIFTI for bytes that are not NIfTI', async () => {
    const res = await createApp(model).request('/segment?prompt=liver', post(Buffer.from('this is not an image, just some text '.repeat(20))));
    expect(res.status).toBe(415);
    expect((await errorOf(res)).code).toBe('NIFTI_NOT_NIFTI');
  });

  it('answers 400 for bad queries, an empty body and malformed NIfTI, naming the problem', async () => {
    const app = createApp(model);
    const cases: [string, RequestInit['body'], string, RegExp][] = [
      ['/segment', smallCt(), 'BAD_REQUEST', /prompt.*required/],
      ['/segment?prompt=', smallCt(), 'BAD_REQUEST', /prompt.*empty/],
      ['/segment?promt=liver', smallCt(), 'BAD_REQUEST', /unknown promt/],
      ['/segment?prompt=liver&format=jpeg', smallCt(), 'BAD_REQUEST', /format/],
      ['/segment?prompt=liver&format=json&format=json', smallCt(), 'BAD_REQUEST', /format.*2 times/],
      ['/segment?prompt=liver', null, 'BAD_REQUEST', /empty/],
      ['/segment?prompt=liver', tinyNifti().subarray(0, 600), 'NIFTI_TRUNCATED', /bytes/],
      ['/segment?prompt=liver', zlib.gzipSync(tinyNifti().subarray(0, 200)), 'NIFTI_TRUNCATED', /bytes/],
    ];
    for (const [path, body, code, message] of cases) {
      const res = await app.request(path, post(body));
      expect(res.status, path).toBe(400);
      const error = await errorOf(res);
      expect(error.code, path).toBe(code);
      expect(error.message, path).toMatch(message);
    }
    const badHeader = await app.request('/segment?prompt=liver', post(smallCt(), { 'content-length': 'many' }));
    expect(badHeader.status).toBe(400);
    expect((await errorOf(badHeader)).message).toMatch(/header content-length/);
  });

  it('answers 404 PROMPT_UNKNOWN with suggestions for a prompt the model cannot segment', async () => {
    const res = await createApp(model).request('/segment?prompt=femur', post(smallCt()));
    expect(res.status).toBe(404);
    const error = await errorOf(res);
    expect(error.code).toBe('PROMPT_UNKNOWN');
    expect((error.details.suggestions as { prompt: string }[]).map((s) => s.prompt)).toContain('liver');
  });

  it('answers 500 with a generic message for an unexpected failure, and logs the cause', async () => {
    const { logger, lines } = memoryLogger();
    const app = createApp(model, { logger, hooks: { beforeSegment: () => Promise.reject(new Error('secret internal detail')) } });
    const res = await app.request('/segment?prompt=liver', post(smallCt()));
    expect(res.status).toBe(500);
    const error = await errorOf(res);
    expect(error.code).toBe('INTERNAL');
    expect(JSON.stringify(error)).not.toContain('secret');
    const logged = lines.find((l) => l.level === 'error');
    expect((logged?.err as Error).message).toBe('secret internal detail');
    expect(logged?.id).toBe(error.details.requestId);
  });
});

describe('POST /volumes and GET /segment?volume=', () => {
  it('stores an upload once and segments it with more prompts, until it is deleted', async () => {
    const app = createApp(model);
    const up = await app.request('/volumes', post(smallCt()));
    expect(up.status).toBe(201);
    const stored = (await up.json()) as { id: string; shape: number[]; spacing: number[]; orientation: string; expiresAt: string };
    expect(stored).toMatchObject({ shape: [16, 20, 30], spacing: [1.5, 1.5, 1.5], orientation: 'RAS' });
    expect(Date.parse(stored.expiresAt)).toBeGreaterThan(Date.now());
    expect(up.headers.get('location')).toBe(`/volumes/${stored.id}`);

    const json = await app.request(`/segment?volume=${stored.id}&prompt=spleen&format=json`);
    expect(json.status).toBe(200);
    expect(((await json.json()) as { prompts: { voxels: number }[] }).prompts[0].voxels).toBe(2209);
    const mask = await app.request(`/segment?volume=${stored.id}&prompt=liver&prompt=hepar`);
    expect(mask.status).toBe(200);
    expect((await readVolume(new Uint8Array(await mask.arrayBuffer()))).shape).toEqual([16, 20, 30]);
    const health = (await (await app.request('/health')).json()) as { store: { entries: number; bytes: number } };
    expect(health.store.entries).toBe(1);

    expect((await app.request(`/volumes/${stored.id}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await app.request(`/segment?volume=${stored.id}&prompt=liver`);
    expect(gone.status).toBe(404);
    expect((await errorOf(gone)).code).toBe('VOLUME_NOT_FOUND');
  });

  it('answers 404 for an unknown volume id and 400 for a malformed one', async () => {
    const app = createApp(model);
    const unknown = await app.request(`/segment?volume=${randomUUID()}&prompt=liver`);
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('VOLUME_NOT_FOUND');
    expect((await app.request('/segment?volume=../../etc&prompt=liver')).status).toBe(400);
    expect((await app.request(`/volumes/${randomUUID()}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('refuses a volume larger than the whole store with 413', async () => {
    const res = await createApp(model, { limits: { storeBytes: 1000 } }).request('/volumes', post(smallCt()));
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('VOLUME_TOO_LARGE_TO_STORE');
  });
});

describe('GET /pathways, /resolve, /health', () => {
  it('lists pathways, resolves prompts (404 with suggestions when nothing matches) and reports health', async () => {
    const { logger, lines } = memoryLogger();
    const app = createApp(model, { logger });
    const listing = (await (await app.request('/pathways')).json()) as { package: string; tasks: { name: string }[] };
    expect(listing.package).toBe('tiny-plain');
    expect(listing.tasks.map((t) => t.name)).toEqual(['liver', 'spleen']);

    const resolved = await app.request('/resolve?prompt=hepar');
    expect(resolved.status).toBe(200);
    expect(await resolved.json()).toMatchObject({ prompt: 'hepar', task: 'liver', route: 'fixed', reason: 'name' });
    expect(lines.some((l) => l.msg === 'prompt resolved' && l.prompt === 'hepar')).toBe(true);
    const unknown = await app.request('/resolve?prompt=femur');
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).details.suggestions).toBeDefined();
    expect((await app.request('/resolve?prompt=a&prompt=b')).status).toBe(400);
    expect((await app.request('/resolve')).status).toBe(400);

    const health = await app.request('/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', model: 'tiny-plain', queue: { running: 0, waiting: 0 } });
    const missing = await app.request('/nothing');
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe('NOT_FOUND');
  });
});

describe('bearer token', () => {
  it('answers 401 without or with a wrong token, serves with the right one, and leaves /health open', async () => {
    const app = createApp(model, { token: 's3cret' });
    const none = await app.request('/pathways');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await errorOf(none)).code).toBe('UNAUTHORIZED');
    expect((await app.request('/pathways', { headers: { authorization: 'Bearer s3cre' } })).status).toBe(401);
    expect((await app.request('/pathways', { headers: { authorization: 'Basic s3cret' } })).status).toBe(401);
    expect((await app.request('/pathways', { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
    // The token is checked before the body is read.
    expect((await app.request('/segment?prompt=liver', post(smallCt()))).status).toBe(401);
    expect((await app.request('/segment?prompt=liver', post(smallCt(), { authorization: 'Bearer s3cret' }))).status).toBe(200);
    expect((await app.request('/health')).status).toBe(200);
  });
});
