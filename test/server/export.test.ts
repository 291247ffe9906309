/** GET /export: the trimmed package of one prompt as a tar stream that loads and segments. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x as extract } from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { createApp } from '../../src/server/index.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { FIXTURES, TEST_MODELS } from '../helpers/paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'uniseg-export-route-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('GET /export', () => {
  it('streams a tar of the trimmed package, which segments like the full one', async () => {
    const model = await loadModel(join(TEST_MODELS, 'routed'), { threads: 1 });
    const app = createApp(model);
    const res = await app.request('/export?prompt=kidney');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-tar');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="routed-kidney.tar"');
    const file = join(tmp, 'export.tar');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    await extract({ file, cwd: tmp });
    const dir = join(tmp, 'routed-kidney');
    expect(readdirSync(dir).sort()).toEqual(['decoder.1.onnx', 'encoder.onnx', 'model.json', 'out.3.onnx']);

    const ct = await readVolume(join(FIXTURES, 'engine', 'odd', 'ct.nii.gz'));
    const trimmed = await loadModel(dir, { threads: 1 });
    const got = await segmentWithModel(trimmed, ct, 'kidney');
    const want = await segmentWithModel(model, ct, 'kidney');
    await trimmed.close();
    expect(Buffer.from(got.prompts[0].mask.data.buffer).equals(Buffer.from(want.prompts[0].mask.data.buffer))).toBe(true);

    const unknown = await app.request('/export?prompt=femur');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('PROMPT_UNKNOWN');
    expect((await app.request('/export')).status).toBe(400);
    await model.close();
    // The route's scratch folders are gone once their streams have ended.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('uniseg-export-stream-'))).toEqual([]);
  });
});
