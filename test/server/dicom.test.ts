/** The server takes a DICOM series as a zip body, on POST /segment and POST /volumes, and refuses bad zips with 4xx. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import { readVolume } from '../../src/volume/read.ts';
import { dicomSeries, type SeriesSet } from '../helpers/dicom-series.ts';
import { errorOf, memoryLogger, PLAIN } from './helpers.ts';

let set: SeriesSet;
let model: Model;
let server: RunningServer;
const log = memoryLogger();
beforeAll(async () => {
  set = await dicomSeries();
  model = await loadModel(PLAIN, { threads: 1 });
  server = await startServer({ model, port: 0, host: '127.0.0.1', logger: log.logger });
}, 300_000);
afterAll(async () => {
  await server.close();
  await model.close();
});

const post = (path: string, body: Buffer) => fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/zip' } });

describe('DICOM zips over HTTP', () => {
  it('POST /segment with a zipped series answers the same mask as the library', async () => {
    const zip = readFileSync(set.path('zip'));
    const res = await post('/segment?prompt=spleen', zip);
    expect(res.status).toBe(200);
    const mask = await readVolume(new Uint8Array(await res.arrayBuffer()));
    const ct = await readVolume(zip);
    const expected = await segmentWithModel(model, ct, 'spleen');
    expect(mask.shape).toEqual(ct.shape);
    expect(Buffer.compare(Buffer.from(mask.data.buffer, mask.data.byteOffset, mask.data.byteLength), Buffer.from(expected.prompts[0].mask.data.buffer))).toBe(0);
    expect(log.lines.some((l) => l.msg === 'read DICOM series' && l.series === ct.dicom?.seriesInstanceUID)).toBe(true);
  });

  it('POST /volumes stores a zipped series; ?series= picks one, an unknown one is a 400', async () => {
    const zip = readFileSync(set.path('zip'));
    const uid = (await readVolume(zip)).dicom!.seriesInstanceUID;
    const stored = await post(`/volumes?series=${uid}`, zip);
    expect(stored.status).toBe(201);
    expect(await stored.json()).toMatchObject({ shape: [80, 60, 12], spacing: [3, 3, 3], orientation: 'LPS' });
    const missing = await post('/volumes?series=1.2.3.4', zip);
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).code).toBe('DICOM_NO_SERIES');
  });

  it('refuses path traversal (400) and a zip bomb (413)', async () => {
    const traversal = await post('/segment?prompt=liver', readFileSync(set.path('zip-traversal')));
    expect(traversal.status).toBe(400);
    expect(await errorOf(traversal)).toMatchObject({ code: 'ZIP_PATH_TRAVERSAL', message: expect.stringContaining('../../escaped.dcm') });
    const bomb = await post('/volumes', readFileSync(set.path('zip-bomb')));
    expect(bomb.status).toBe(413);
    expect((await errorOf(bomb)).code).toBe('ZIP_BOMB');
  });
});
