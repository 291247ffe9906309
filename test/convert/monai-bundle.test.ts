/**
 * `uniseg convert monai-bundle` on the shared wholeBody_ct_segmentation fixture (SegResNet, 105
 * channels, random weights; ../shared/fixtures/monai-bundle/README.md is the source of truth):
 * converted once; the network alone meets the README's 1e-4 through `uniseg verify`; end to end on
 * the fixture CT the model grid is MONAI's and the README's targets hold: logits within
 * 1e-4 · max(1, |ref|), probabilities within 1e-3, the label map the bundle wrote except at near-ties.
 * That needs NormalizeIntensity(nonzero) to count exactly the voxels MONAI's float64 resampling
 * leaves nonzero (src/models/monai/spacing.ts, checked alone in test/models/monai-spacing.test.ts).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invertAffine, multiplyAffine } from '../../src/volume/affine.ts';
import { parseNpy } from '../../src/models/npy.ts';
import { loadModel } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { uniseg } from '../helpers/cli.ts';
import { SHARED_CT } from '../helpers/paths.ts';

const FIXTURE = join(SHARED_CT, '../../../fixtures/monai-bundle');
const BUNDLE = join(FIXTURE, 'wholeBody_ct_segmentation');
const config = JSON.parse(readFileSync(join(FIXTURE, 'config.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'uniseg-monai-bundle-'));
const pkg = join(work, 'wholebody');
let convertRun: ReturnType<typeof uniseg>;

beforeAll(() => {
  convertRun = uniseg(['convert', 'monai-bundle', BUNDLE, '-o', pkg], { timeoutMs: 600_000 });
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('monai-bundle: wholeBody_ct_segmentation', { timeout: 600_000 }, () => {
  it('converts: parity checked, origin recorded, transforms mapped', () => {
    expect(convertRun.status, convertRun.stderr).toBe(0);
    expect(convertRun.stdout).toMatch(/net\s+\S+\s+\S+\s+\S+\s+ok/);
    const m = JSON.parse(readFileSync(join(pkg, 'model.json'), 'utf8'));
    expect(m.preprocess).toEqual({
      orientation: 'RAS',
      spacing: [1.5, 1.5, 1.5],
      axes: 'xyz',
      grid: 'first-voxel',
      intensity: { kind: 'steps', steps: [{ kind: 'normalize', nonzero: true }, { kind: 'scale', minv: -1, maxv: 1 }] },
    });
    expect(m.inference).toEqual({ roi: [96, 96, 96], overlap: 0.25, sigmaScale: 0.125, batchSize: 1, padValue: 0, padMode: 'replicate' });
    expect(m.origin.kind).toBe('monai-bundle');
    expect(m.origin.files.map((f: { path: string }) => f.path)).toEqual(['configs/inference.json', 'configs/metadata.json', 'models/model.pt']);
    expect(m.tasks).toHaveLength(105);
    expect(m.tasks.find((t: { name: string }) => t.name === 'kidney_left')).toMatchObject({ prompt: 'kidney left', output: { channels: [3] } });
    expect(m.parts.net.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Written in one step: no staging directory left beside it.
    expect(readdirSync(work)).toEqual(['wholebody']);
  });

  it('the network alone meets the README target (1e-4) through uniseg verify', () => {
    const run = uniseg(['verify', pkg, '--input', join(FIXTURE, 'input.npy'), '--expect', join(FIXTURE, 'output.npy'), '--json']);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.shape).toEqual([1, 105, 16, 16, 16]);
    expect(report.maxAbsDiff).toBeLessThanOrEqual(1e-4);
  });

  it("end to end on the fixture CT: MONAI's model grid, and the README's targets (logits 1e-4 · max(1, |ref|), probabilities 1e-3, labels equal but at near-ties)", async () => {
    const e = await endToEnd();
    expect(e.modelShape).toEqual(config.end_to_end.model_grid_shape);
    expectClose(e.modelAffine, config.end_to_end.model_grid_affine, 1e-4);
    expect(e.labelShape).toEqual(e.referenceShape);
    expectClose(e.labelAffine, e.referenceAffine, 1e-4);
    expect(e.windows).toBe(36);
    expect(e.logitWorst).toBeLessThanOrEqual(1e-4);
    expect(e.probWorst).toBeLessThanOrEqual(1e-3);
    expect(e.equalFraction).toBeGreaterThanOrEqual(0.999);
    expect(e.notTies).toBe(0);
  });
});

interface EndToEnd {
  modelShape: number[];
  modelAffine: number[][];
  labelShape: number[];
  labelAffine: number[][];
  referenceShape: number[];
  referenceAffine: number[][];
  windows: number;
  logitWorst: number;
  probWorst: number;
  equalFraction: number;
  notTies: number;
}

/** One segmentation of the fixture CT ("all labels"), measured against the bundle's own outputs. */
async function endToEnd(): Promise<EndToEnd> {
  const ct = await readVolume(SHARED_CT);
  const model = await loadModel(pkg, { threads: 2 });
  const index: number[][] = config.end_to_end.reference_logits_index;
  const refLogits = parseNpy(readFileSync(join(FIXTURE, 'reference_logits.npy')), 'reference_logits.npy');
  const [n0, n1, n2] = index.map((a) => a.length);
  const channels = refLogits.dims[0];
  const sampled = new Float32Array(channels * n0 * n1 * n2);
  let modelShape: number[] = [];
  let modelAffine: number[][] = [];
  let gaps: Float32Array = new Float32Array(0);
  try {
    // The bundle's reference is MONAI's sliding window over every window: exact mode (fast mode
    // leaves out air windows, which changes logits in the air around the body).
    const result = await segmentWithModel(model, ct, 'all labels', {
      exact: true,
      onLogits: ({ grid, prompts }) => {
        modelShape = [...grid.shape];
        modelAffine = grid.affine.map((r) => [...r]);
        const logits = prompts[0];
        const [sx, sy] = grid.shape;
        for (let c = 0; c < channels; c++) {
          const data = logits.get(c)!;
          let o = c * n0 * n1 * n2;
          for (const a of index[0]) for (const b of index[1]) for (const d of index[2]) sampled[o++] = data[a + sx * (b + sy * d)];
        }
        gaps = topTwoGaps([...logits.values()]);
      },
    });
    let logitWorst = 0;
    let probWorst = 0;
    const voxels = n0 * n1 * n2;
    for (let v = 0; v < voxels; v++) {
      const ours = Array.from({ length: channels }, (_, c) => sampled[c * voxels + v]);
      const ref = Array.from({ length: channels }, (_, c) => refLogits.data[c * voxels + v]);
      ours.forEach((x, c) => (logitWorst = Math.max(logitWorst, Math.abs(x - ref[c]) / Math.max(1, Math.abs(ref[c])))));
      const p = softmax(ours);
      const q = softmax(ref);
      p.forEach((x, c) => (probWorst = Math.max(probWorst, Math.abs(x - q[c]))));
    }
    const reference = await readVolume(join(FIXTURE, 'reference_labels.nii.gz'));
    const ours = result.prompts[0].mask;
    // Each input voxel's model-grid voxel, to read the top-two logit gap where the maps differ.
    const toModel = multiplyAffine(invertAffine(modelAffine as never), ours.affine);
    const [nx, ny] = ours.shape;
    let differ = 0;
    let notTies = 0;
    for (let v = 0; v < ours.data.length; v++) {
      if (ours.data[v] === reference.data[v]) continue;
      differ++;
      const ijk = [v % nx, Math.floor(v / nx) % ny, Math.floor(v / (nx * ny))];
      const m = [0, 1, 2].map((r) => Math.round(toModel[r][0] * ijk[0] + toModel[r][1] * ijk[1] + toModel[r][2] * ijk[2] + toModel[r][3]));
      if (!(gaps[m[0] + modelShape[0] * (m[1] + modelShape[1] * m[2])] < 1e-3)) notTies++;
    }
    // The measured numbers docs/convert.md quotes.
    console.info(`monai-bundle end to end: logits max |Δ|/max(1,|ref|) ${logitWorst.toExponential(2)}, probabilities max |Δ| ${probWorst.toExponential(2)}, labels differ at ${differ} of ${ours.data.length} voxels (${notTies} not near-ties), ${result.windows} windows, ${(result.timings.totalMs / 1000).toFixed(1)} s`);
    return {
      modelShape,
      modelAffine,
      labelShape: [...ours.shape],
      labelAffine: ours.affine.map((r) => [...r]),
      referenceShape: [...reference.shape],
      referenceAffine: reference.affine.map((r) => [...r]),
      windows: result.windows,
      logitWorst,
      probWorst,
      equalFraction: 1 - differ / ours.data.length,
      notTies,
    };
  } finally {
    await model.close();
  }
}

function softmax(x: number[]): number[] {
  const max = Math.max(...x);
  const e = x.map((v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Per voxel: largest minus second-largest channel value. */
function topTwoGaps(channels: Float32Array[]): Float32Array {
  const n = channels[0].length;
  const best = Float32Array.from(channels[0]);
  const second = new Float32Array(n).fill(-Infinity);
  for (let c = 1; c < channels.length; c++) {
    const data = channels[c];
    for (let v = 0; v < n; v++) {
      const x = data[v];
      if (x > best[v]) {
        second[v] = best[v];
        best[v] = x;
      } else if (x > second[v]) second[v] = x;
    }
  }
  for (let v = 0; v < n; v++) best[v] -= second[v];
  return best;
}

function expectClose(a: readonly (readonly number[])[], b: readonly (readonly number[])[], tol: number): void {
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) expect(Math.abs(a[r][c] - b[r][c])).toBeLessThanOrEqual(tol);
}
