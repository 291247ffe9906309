/** ?format=dicom-seg and ?format=rtstruct on /segment: a CT that did not come from DICOM is a 400 before any work. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../src/models/package.ts';
import { createApp } from '../../src/server/index.ts';
import { PLAIN, smallCt } from './helpers.ts';

let model: Model;
beforeAll(async () => {
  model = await loadModel(PLAIN, { threads: 1 });
});
afterAll(() => model.close());

const post = (body: Buffer) => ({ method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });

describe.each(['dicom-seg', 'rtstruct'])('format=%s', (format) => {
  it('POST /segment with a NIfTI body: 400 DICOM_OUTPUT_NEEDS_DICOM_INPUT, and no segmentation ran', async () => {
    let ran = 0;
    const app = createApp(model, { hooks: { beforeSegment: async () => void ran++ } });
    const res = await app.request(`/segment?prompt=liver&format=${format}`, post(smallCt()));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('DICOM_OUTPUT_NEEDS_DICOM_INPUT');
    expect(body.error.message).toContain(format);
    expect(ran).toBe(0);
  });

  it('GET /segment on a volume stored from NIfTI: the same 400', async () => {
    const app = createApp(model);
    const stored = (await (await app.request('/volumes', post(smallCt()))).json()) as { id: string };
    const res = await app.request(`/segment?volume=${stored.id}&prompt=liver&format=${format}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('DICOM_OUTPUT_NEEDS_DICOM_INPUT');
  });
});
