/**
 * `uniseg convert nnunet` on the shared nnU-Net v2 fixture (two folds written by nnU-Net's trainer,
 * random weights) plus a second trainer folder derived from it (other labels, other CT
 * intensity properties), converted together into one package; checked against nnU-Net's own
 * outputs: each fold's network alone (`uniseg verify --fold`, 1e-4), and the whole pipeline on the
 * real CT without and with mirroring (nnU-Net's predictor, folds 0+1, step 0.5): probabilities
 * within 1e-3 on every voxel (the engine reproduces nnU-Net's float16 steps) and label maps equal
 * except where nnU-Net's top two probabilities are within 1e-3. Bad trainer folders are
 * refused in uniseg_tools/tests/test_convert_nnunet.py.
 */
import { cpSync, chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../src/models/package.ts';
import { readNpy } from '../../src/models/npy.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import type { Volume } from '../../src/volume/types.ts';
import { uniseg } from '../helpers/cli.ts';
import { ROOT } from '../helpers/paths.ts';

const FIXTURE = join(ROOT, '..', 'shared', 'fixtures', 'nnunet-v2');
const TRAINER = join(FIXTURE, 'Dataset990_UnisegParityCT', 'nnUNetTrainer__nnUNetPlans__3d_fullres');
const work = mkdtempSync(join(tmpdir(), 'uniseg-nnunet-'));
const pkg = join(work, 'pkg');
const ORGANS = ['spleen', 'kidney right', 'left kidney', 'liver'];

/** A second dataset: the same checkpoints under other label names and CT intensity properties. */
function derivedTrainer(): string {
  const dir = join(work, 'Dataset991_UnisegParityUpper', 'nnUNetTrainer__nnUNetPlans__3d_fullres');
  cpSync(TRAINER, dir, { recursive: true });
  chmodSync(dir, 0o755);
  const edit = (file: string, change: (json: Record<string, any>) => void) => {
    const path = join(dir, file);
    const json = JSON.parse(readFileSync(path, 'utf8'));
    change(json);
    chmodSync(path, 0o644);
    writeFileSync(path, JSON.stringify(json));
  };
  edit('dataset.json', (d) => (d.labels = { background: 0, stomach: 1, pancreas: 2, gallbladder: 3, esophagus: 4 }));
  edit('plans.json', (p) => {
    p.dataset_name = 'Dataset991_UnisegParityUpper';
    Object.assign(p.foreground_intensity_properties_per_channel['0'], { mean: 40, std: 90, percentile_00_5: -300, percentile_99_5: 300 });
  });
  return dir;
}

let model: Model;
let ct: Volume;
beforeAll(async () => {
  const run = uniseg(['convert', 'nnunet', TRAINER, derivedTrainer(), '--folds', '0,1', '-o', pkg], { timeoutMs: 400_000 });
  expect(run.stderr + run.stdout).toMatch(/wrote .*pkg/);
  expect(run.status).toBe(0);
  model = await loadModel(pkg, { threads: 2 });
  ct = await readVolume(join(FIXTURE, 'input_ct.nii.gz'));
}, 420_000);
afterAll(async () => {
  await model?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Max |difference| over every voxel of the four organ channels; [c, i, j, k] reference order. */
function probabilityDiff(reference: Float32Array, maps: readonly Float32Array[]): number {
  const [ni, nj, nk] = ct.shape;
  const n = ni * nj * nk;
  let max = 0;
  maps.forEach((map, m) => {
    for (let i = 0; i < ni; i++)
      for (let j = 0; j < nj; j++)
        for (let k = 0; k < nk; k++) max = Math.max(max, Math.abs(reference[(m + 1) * n + (i * nj + j) * nk + k] - map[i + ni * (j + nj * k)]));
  });
  return max;
}

/** Voxels whose labels differ, and how many of those are not near-ties in nnU-Net's probabilities. */
function labelMismatches(reference: Float32Array, expected: Volume, actual: ArrayLike<number>): { differ: number; notTies: number } {
  const [ni, nj, nk] = ct.shape;
  const n = ni * nj * nk;
  let differ = 0;
  let notTies = 0;
  for (let v = 0; v < n; v++) {
    if (expected.data[v] === actual[v]) continue;
    differ++;
    const i = v % ni;
    const j = Math.floor(v / ni) % nj;
    const k = Math.floor(v / (ni * nj));
    const p = Array.from({ length: 5 }, (_, c) => reference[c * n + (i * nj + j) * nk + k]).sort((a, b) => b - a);
    if (p[0] - p[1] > 1e-3) notTies++;
  }
  return { differ, notTies };
}

describe('uniseg convert nnunet', { timeout: 600_000 }, () => {
  it('writes one package: a head per dataset, its folds as an ensemble, labels as tasks, every source hashed', () => {
    const manifest = model.manifest;
    expect(Object.keys(manifest.heads)).toEqual(['Dataset990_UnisegParityCT', 'Dataset991_UnisegParityUpper']);
    expect(manifest.ensembles['Dataset990_UnisegParityCT.logits'].members).toEqual(['Dataset990_UnisegParityCT.logits.fold_0', 'Dataset990_UnisegParityCT.logits.fold_1']);
    expect(manifest.heads.Dataset991_UnisegParityUpper.intensity).toEqual({ kind: 'ct', lower: -300, upper: 300, mean: 40, std: 90 });
    expect(manifest.inference.mirror).toEqual({ axes: [0, 1, 2], default: true });
    expect(manifest.tasks.map((t) => t.name)).toEqual(expect.arrayContaining(['kidney_left', 'liver', 'stomach', 'UnisegParityCT']));
    const origin = manifest.origin as { kind: string; files: { path: string; sha256: string }[] };
    expect(origin.kind).toBe('nnunet');
    expect(origin.files).toHaveLength(8);
    expect(origin.files.map((f) => f.path)).toContain('Dataset990_UnisegParityCT/nnUNetTrainer__nnUNetPlans__3d_fullres/fold_1/checkpoint_final.pth');
  });

  it.each([0, 1])('uniseg verify --fold %i: the network alone matches nnU-Net within 1e-4', (fold) => {
    const run = uniseg(['verify', pkg, '--input', join(FIXTURE, 'input.npy'), '--expect', join(FIXTURE, `output_fold${fold}.npy`), '--prompt', 'liver', '--fold', String(fold), '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).maxAbsDiff).toBeLessThan(1e-4);
  });

  it.each([
    { tta: false, name: 'notta', passes: 1 },
    { tta: true, name: 'tta', passes: 8 },
  ])('end to end, $name: probabilities within 1e-3 everywhere, label maps equal up to near-ties', async ({ tta, name, passes }) => {
    model.parts.resetStats();
    const result = await segmentWithModel(model, ct, [...ORGANS, 'all of UnisegParityCT'], { probabilities: true, tta });
    expect(result.prompts.map((p) => p.task)).toEqual(['spleen', 'kidney_right', 'kidney_left', 'liver', 'UnisegParityCT']);
    // 8 windows, each fold once per pass; the other dataset's network never runs.
    expect(model.parts.stats.runs).toEqual({ 'Dataset990_UnisegParityCT.fold_0': 8 * passes, 'Dataset990_UnisegParityCT.fold_1': 8 * passes });
    const reference = (await readNpy(join(FIXTURE, `pipeline_probs_${name}.npy`))).data;
    expect(probabilityDiff(reference, result.prompts.slice(0, 4).map((p) => p.probabilities!.data))).toBeLessThan(1e-3);
    const labels = await readVolume(join(FIXTURE, `pipeline_seg_${name}.nii.gz`));
    expect(labelMismatches(reference, labels, result.prompts[4].mask.data).notTies).toBe(0);
  });

  it("a prompt runs only its dataset's network, normalised with that dataset's intensity properties", async () => {
    model.parts.resetStats();
    const result = await segmentWithModel(model, ct, ['stomach', 'spleen'], { probabilities: true, tta: false });
    expect(model.parts.stats.runs).toEqual({
      'Dataset990_UnisegParityCT.fold_0': 8,
      'Dataset990_UnisegParityCT.fold_1': 8,
      'Dataset991_UnisegParityUpper.fold_0': 8,
      'Dataset991_UnisegParityUpper.fold_1': 8,
    });
    // Same weights and channel, other CT normalisation: other probabilities.
    const [stomach, spleen] = result.prompts.map((p) => p.probabilities!.data);
    let differ = 0;
    for (let v = 0; v < stomach.length; v++) if (Math.abs(stomach[v] - spleen[v]) > 1e-3) differ++;
    expect(differ).toBeGreaterThan(stomach.length / 10);
  });
});
