/** The page's routes through app.request(): public page and assets, token-guarded package files with their SHA-256. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../src/models/package.ts';
import { createApp } from '../../src/server/index.ts';
import { errorOf, memoryLogger, PLAIN, smallCt } from '../server/helpers.ts';

let model: Model;
beforeAll(async () => {
  model = await loadModel(PLAIN, { threads: 1 });
});
afterAll(() => model.close());

const auth = { headers: { authorization: 'Bearer s3cret' } };

describe('page and package routes', () => {
  it('serves the page and the ONNX Runtime Web files without the token, cross-origin isolated', async () => {
    const app = createApp(model, { token: 's3cret' });
    const page = await app.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(await page.text()).toContain('<script type="module" src="/assets/app.js">');

    const wasm = await app.request('/assets/ort/ort-wasm-simd-threaded.asyncify.wasm');
    expect(wasm.status).toBe(200);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect([...new Uint8Array(await wasm.arrayBuffer()).subarray(0, 4)]).toEqual([0, 0x61, 0x73, 0x6d]);
    // Only those files: nothing else from the folder or above it, and the token still guards the API.
    expect((await app.request('/assets/ort/ort.node.min.js')).status).toBe(404);
    expect((await app.request('/assets/ort/..%2Fpackage.json', auth)).status).toBe(404);
    expect((await app.request('/pathways')).status).toBe(401);
  });

  it('lists the package with SHA-256s that match the files served, behind the token', async () => {
    const app = createApp(model, { token: 's3cret' });
    expect((await app.request('/package')).status).toBe(401);
    const res = await app.request('/package', auth);
    expect(res.status).toBe(200);
    const listing = (await res.json()) as { name: string; files: { path: string; bytes: number; sha256: string }[] };
    expect(listing.name).toBe('tiny-plain');
    expect(listing.files.map((f) => f.path).sort()).toEqual(['model.json', ...Object.values(model.manifest.parts).map((p) => p.file)].sort());
    for (const file of listing.files) {
      const bytes = new Uint8Array(await (await app.request(`/package/files/${file.path}`, auth)).arrayBuffer());
      expect(bytes.length).toBe(file.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
    }
    const part = Object.values(model.manifest.parts)[0];
    if (part.sha256) expect(listing.files.find((f) => f.path === part.file)?.sha256).toBe(part.sha256);
    const missing = await app.request('/package/files/secret.txt', auth);
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).message).toMatch(/no file secret\.txt in the model package/);
  });

  it('logs the body size of each request, so a log shows which requests carried data', async () => {
    const { logger, lines } = memoryLogger();
    const app = createApp(model, { logger });
    const body = smallCt();
    await app.request('/volumes', { method: 'POST', body, headers: { 'content-length': String(body.length) } });
    await app.request('/pathways');
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.map((r) => [r.method, r.path, r.bytes])).toEqual([
      ['POST', '/volumes', body.length],
      ['GET', '/pathways', undefined],
    ]);
  });
});
