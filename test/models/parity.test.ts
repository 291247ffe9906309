/**
 * Parity with the independent Python reference (uniseg_tools/reference.py, PyTorch):
 * same networks, same volumes; probabilities on the input grid within 1e-4 and identical masks
 * (up to the voxels the reference marked as within 1e-4 of flipping).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { FIXTURES, TEST_MODELS } from '../helpers/paths.ts';

interface ExpectedTask {
  prompt: string;
  labels: Record<string, number>;
  probabilities: { file: string; channels: number };
  mask: { file: string; dtype: 'uint8' | 'uint16' };
  nearTies: number;
}
interface Expected {
  package: string;
  shape: number[];
  affine: number[][];
  prompts: string[];
  model: { windows: number };
  tasks: Record<string, ExpectedTask>;
}

const models = new Map<string, Model>();
async function model(name: string): Promise<Model> {
  if (!models.has(name)) models.set(name, await loadModel(join(TEST_MODELS, name), { threads: 1 }));
  return models.get(name)!;
}
afterAll(async () => {
  for (const m of models.values()) await m.close();
});

function raw(file: string, type: 'float32' | 'uint8' | 'uint16'): Float32Array | Uint8Array | Uint16Array {
  const bytes = readFileSync(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return type === 'float32' ? new Float32Array(buffer) : type === 'uint16' ? new Uint16Array(buffer) : new Uint8Array(buffer);
}

describe.each(['small', 'odd', 'aniso', 'sagittal'])('parity with the PyTorch reference: %s', (name) => {
  const dir = join(FIXTURES, 'engine', name);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;

  it('matches probabilities to 1e-4 and masks exactly, on the input grid', async () => {
    const ct = await readVolume(join(dir, 'ct.nii.gz'));
    const m = await model(expected.package);
    const result = await segmentWithModel(m, ct, expected.prompts, { probabilities: true });
    expect(result.windows).toBe(expected.model.windows);
    const tasks = Object.values(expected.tasks);
    expect(result.prompts.map((p) => p.prompt)).toEqual(tasks.map((t) => t.prompt));

    result.prompts.forEach((got, index) => {
      const want = tasks[index];
      expect(got.mask.shape).toEqual(expected.shape);
      expect(got.mask.affine).toEqual(ct.affine);
      const n = expected.shape[0] * expected.shape[1] * expected.shape[2];
      const probs = raw(join(dir, want.probabilities.file), 'float32');
      let maxDiff = 0;
      for (let v = 0; v < n; v++) {
        let reference = 0;
        for (let c = 0; c < want.probabilities.channels; c++) reference = Math.max(reference, probs[c * n + v]);
        maxDiff = Math.max(maxDiff, Math.abs(got.probabilities!.data[v] - reference));
      }
      expect(maxDiff, `${want.prompt}: max |p_ts - p_ref|`).toBeLessThanOrEqual(1e-4);

      const mask = raw(join(dir, want.mask.file), want.mask.dtype);
      let differing = 0;
      for (let v = 0; v < n; v++) if (mask[v] !== got.mask.data[v]) differing++;
      expect(differing, `${want.prompt}: mask voxels differing`).toBeLessThanOrEqual(want.nearTies);
      expect(got.voxels).toBeGreaterThan(0);
    });
  });
});
