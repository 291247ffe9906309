/** Bad packages and bad inputs: each a typed error naming what is wrong; sessions always released. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { makeVolume } from '../../src/volume/volume.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { FIXTURES, TEST_MODELS } from '../helpers/paths.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'uniseg-errors-'));
  cpSync(join(TEST_MODELS, 'pathways'), dir, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const manifestPath = () => join(dir, 'model.json');
const editManifest = (edit: (m: any) => void) => {
  const m = JSON.parse(readFileSync(manifestPath(), 'utf8'));
  edit(m);
  writeFileSync(manifestPath(), JSON.stringify(m));
};
const ct = () => readVolume(join(FIXTURES, 'engine', 'odd', 'ct.nii.gz'));

describe('model package errors', () => {
  it('refuses a tampered part at load, naming the part', async () => {
    const file = join(dir, 'decoder.2.onnx');
    const bytes = readFileSync(file);
    bytes[bytes.length - 5] ^= 0xff;
    writeFileSync(file, bytes);
    await expect(loadModel(dir)).rejects.toMatchObject({ code: 'MODEL_PART_TAMPERED', details: { part: 'decoder.2' } });
  });

  it('refuses a missing part file and a missing package', async () => {
    rmSync(join(dir, 'out.3.onnx'));
    await expect(loadModel(dir)).rejects.toMatchObject({ code: 'MODEL_PART_MISSING', details: { part: 'out.3' } });
    await expect(loadModel(join(dir, 'nowhere'))).rejects.toMatchObject({ code: 'MODEL_PART_MISSING' });
  });

  it('names the manifest field that is wrong', async () => {
    editManifest((m) => (m.tasks[1].route.pathway = [2, 9]));
    const error = await loadModel(dir).catch((e) => e);
    expect(error.code).toBe('MODEL_MANIFEST_INVALID');
    expect(error.message).toMatch(/tasks\[1\]\.route\.pathway\[1\]/);
    writeFileSync(manifestPath(), '{ not json');
    await expect(loadModel(dir)).rejects.toMatchObject({ code: 'MODEL_MANIFEST_INVALID' });
  });

  it('reports a corrupt ONNX file (no hash recorded) when its session is created, and stays closable', async () => {
    writeFileSync(join(dir, 'out.1.onnx'), Buffer.from('this is not an onnx model'));
    editManifest((m) => delete m.parts['out.1'].sha256);
    const model = await loadModel(dir, { threads: 1 });
    const error = await segmentWithModel(model, await ct(), 'lesions').catch((e) => e);
    expect(error.code).toBe('MODEL_PART_INVALID');
    expect(error.details.part).toBe('out.1');
    // Tasks that do not need the broken part still run, and close releases every session.
    const ok = await segmentWithModel(model, await ct(), 'liver');
    expect(ok.prompts[0].voxels).toBeGreaterThan(0);
    await model.close();
    await expect(segmentWithModel(model, await ct(), 'liver')).rejects.toMatchObject({ code: 'INFERENCE_FAILED' });
  });

  it('reports tensor names that the ONNX graph does not have', async () => {
    editManifest((m) => {
      m.parts.encoder.outputs = ['feat0', 'featX'];
      for (const alt of ['decoder.1', 'decoder.2', 'decoder.3']) m.parts[alt].inputs = ['featX'];
    });
    const model = await loadModel(dir, { threads: 1 });
    const error = await segmentWithModel(model, await ct(), 'liver').catch((e) => e);
    await model.close();
    expect(error.code).toBe('MODEL_TENSOR_MISMATCH');
    expect(error.message).toMatch(/part "encoder".*no output "featX"/);
  });

  it('reports a pathway the package does not have when a caller routes to it', async () => {
    const model = await loadModel(dir, { threads: 1 });
    const task = model.manifest.tasks[0];
    const error = await segmentWithModel(model, await ct(), 'liver', {
      resolve: () => ({ prompt: 'liver', task, route: { kind: 'pathway', pathway: [1, 4] } }),
    }).catch((e) => e);
    await model.close();
    expect(error.code).toBe('PATHWAY_OUT_OF_RANGE');
    expect(error.details).toMatchObject({ stage: 2, alternatives: 3 });
  });

  it('refuses a CT with no structure at all', async () => {
    const model = await loadModel(dir, { threads: 1 });
    const flat = makeVolume(new Int16Array(30 * 30 * 20).fill(-1000), [30, 30, 20], [
      [1.5, 0, 0, 0],
      [0, 1.5, 0, 0],
      [0, 0, 1.5, 0],
      [0, 0, 0, 1],
    ]);
    const error = await segmentWithModel(model, flat, 'liver').catch((e) => e);
    await model.close();
    expect(error.code).toBe('VOLUME_EMPTY_AFTER_CROP');
  });
});
