/**
 * One behavioural suite, run against every model shape through the same executor: a plain network
 * wrapped by `uniseg wrap`, a gCIS pathway package and a clNet head package.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnisegError } from '../../src/errors.ts';
import { loadModel, type Model } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { wrapOnnx } from '../../src/models/wrap.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { reorient } from '../../src/volume/reorient.ts';
import { resampleToSpacing } from '../../src/volume/resample.ts';
import type { Volume } from '../../src/volume/types.ts';
import { FIXTURES, TEST_MODELS } from '../helpers/paths.ts';

interface Shape {
  name: string;
  open: (tmp: string) => Promise<Model>;
  prompts: string[];
  /** The part every prompt shares (runs once per window batch). */
  shared: string;
}

const shapes: Shape[] = [
  {
    name: 'plain network (wrapped)',
    open: async (tmp) => {
      const { dir } = await wrapOnnx({
        onnx: join(TEST_MODELS, 'plain', 'net.onnx'),
        out: join(tmp, 'wrapped'),
        roi: [24, 24, 24],
        spacing: [1.5, 1.5, 1.5],
        orientation: 'RAS',
        axes: 'xyz',
        intensity: { kind: 'clip', aMin: -200, aMax: 300, bMin: 0, bMax: 1, clip: true },
        activation: 'softmax',
        labels: new Map([[1, 'liver'], [2, 'spleen']]),
      });
      return loadModel(dir, { threads: 1 });
    },
    prompts: ['liver', 'spleen'],
    shared: 'net',
  },
  { name: 'gCIS pathways', open: () => loadModel(join(TEST_MODELS, 'pathways'), { threads: 1 }), prompts: ['liver', 'spleen', 'kidney'], shared: 'encoder' },
  { name: 'clNet heads', open: () => loadModel(join(TEST_MODELS, 'heads'), { threads: 1 }), prompts: ['kidney_left', 'kidney_tumor'], shared: 'encoder' },
];

let ctLas: Volume;
beforeAll(async () => {
  ctLas = await readVolume(join(FIXTURES, 'engine', 'aniso', 'ct.nii.gz'));
});

describe.each(shapes)('engine behaviour: $name', (shape) => {
  let tmp: string;
  let model: Model;
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'uniseg-shapes-'));
    model = await shape.open(tmp);
  });
  afterAll(async () => {
    await model?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('writes masks on the exact input grid for RAS, LPS and anisotropic inputs', async () => {
    const inputs = [reorient(ctLas, 'RAS'), reorient(ctLas, 'LPS'), resampleToSpacing(reorient(ctLas, 'RAS'), [1.1, 1.7, 3.1], { mode: 'linear' })];
    for (const ct of inputs) {
      const result = await segmentWithModel(model, ct, shape.prompts[0]);
      const { mask } = result.prompts[0];
      expect(mask.shape).toEqual(ct.shape);
      expect(mask.affine).toEqual(ct.affine);
      expect(result.labelMap.shape).toEqual(ct.shape);
      expect(result.prompts[0].voxels).toBeGreaterThan(0);
      expect(result.prompts[0].voxels).toBeLessThan(ct.data.length);
    }
  });

  it('gives the same answer whatever the file orientation (exact reorientation)', async () => {
    const ras = reorient(ctLas, 'RAS');
    const lps = reorient(ctLas, 'LPS');
    const fromRas = (await segmentWithModel(model, ras, shape.prompts[0])).prompts[0].mask;
    const fromLps = (await segmentWithModel(model, lps, shape.prompts[0])).prompts[0].mask;
    const back = reorient(fromLps, 'RAS');
    expect(back.affine).toEqual(fromRas.affine);
    expect(Buffer.from(back.data.buffer).equals(Buffer.from(fromRas.data.buffer))).toBe(true);
  });

  it('runs the shared part once per window batch for N prompts, and merges overlaps', async () => {
    model.parts.resetStats();
    const result = await segmentWithModel(model, ctLas, shape.prompts);
    const batches = Math.ceil(result.windows / model.manifest.inference.batchSize);
    expect(model.parts.stats.runs[shape.shared]).toBe(batches);
    expect(result.prompts.map((p) => p.prompt)).toEqual(shape.prompts);
    const counts = new Array(shape.prompts.length + 1).fill(0);
    for (const v of result.labelMap.data) counts[v]++;
    // Every prompt's label appears in the merged map, and nothing else.
    expect(counts.length).toBe(shape.prompts.length + 1);
    for (let p = 1; p <= shape.prompts.length; p++) expect(counts[p], `label ${p}`).toBeGreaterThan(0);
    // A voxel is labelled in the merged map exactly where some prompt's mask is on.
    let mismatched = 0;
    result.labelMap.data.forEach((v: number, i: number) => {
      if (v > 0 !== result.prompts.some((p) => p.mask.data[i] > 0)) mismatched++;
    });
    expect(mismatched).toBe(0);
    const voxelMl = (ctLas.spacing[0] * ctLas.spacing[1] * ctLas.spacing[2]) / 1000;
    expect(result.prompts[0].volumeMl).toBeCloseTo(result.prompts[0].voxels * voxelMl, 6);
    expect(result.timings.ortMs).toBeGreaterThan(0);
    expect(result.timings.totalMs).toBeGreaterThanOrEqual(result.timings.inferenceMs);
  });

  it('reports progress and can be cancelled with an AbortSignal', async () => {
    const seen: [number, number][] = [];
    await segmentWithModel(model, ctLas, shape.prompts[0], { onProgress: (d, t) => seen.push([d, t]) });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)![0]).toBe(seen.at(-1)![1]);

    const controller = new AbortController();
    const run = segmentWithModel(model, ctLas, shape.prompts[0], { signal: controller.signal, onProgress: () => controller.abort() });
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(segmentWithModel(model, ctLas, shape.prompts[0], { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    // The model stays usable after a cancelled run.
    const again = await segmentWithModel(model, ctLas, shape.prompts[0]);
    expect(again.prompts[0].voxels).toBeGreaterThan(0);
  });

  it('refuses unknown and empty prompts with typed errors', async () => {
    const unknown = await segmentWithModel(model, ctLas, 'femur').catch((e) => e);
    expect(isUnisegError(unknown, 'PROMPT_UNKNOWN')).toBe(true);
    expect(unknown.details.suggestions).toHaveLength(Math.min(3, model.manifest.tasks.length));
    expect(unknown.message).toContain(model.manifest.tasks[0].prompt);
    await expect(segmentWithModel(model, ctLas, '   ')).rejects.toMatchObject({ code: 'PROMPT_EMPTY' });
    await expect(segmentWithModel(model, ctLas, [])).rejects.toMatchObject({ code: 'PROMPT_EMPTY' });
  });
});
