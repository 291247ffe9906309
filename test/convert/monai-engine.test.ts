/**
 * The engine pieces MONAI bundles need, against values worked out by hand: Spacing's output grid
 * (first voxel kept, round-half-even extent), NormalizeIntensity over nonzero voxels, ScaleIntensity,
 * and a steps chain in the manifest.
 */
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/models/package.ts';
import type { PartRunner, TensorData } from '../../src/models/parts.ts';
import { normalise, toModelGrid } from '../../src/models/preprocess.ts';
import { makeVolume } from '../../src/volume/volume.ts';
import { slidingWindow } from '../../src/models/sliding.ts';
import { firstVoxelSpacingGrid } from '../../src/volume/grid.ts';
import { normalizeIntensity, scaleIntensity } from '../../src/volume/intensity.ts';

describe('MONAI Spacing grid', () => {
  it('keeps the first voxel centre and rounds (n - 1) · old / new + 1 half to even', () => {
    const affine = [
      [3, 0, 0, -177.95],
      [0, 3, 0, 11.3],
      [0, 0, 3, 94.3],
      [0, 0, 0, 1],
    ] as const;
    // The shared CT: 122 x 101 x 112 at 3 mm → 1.5 mm gives MONAI's [243, 201, 223].
    const grid = firstVoxelSpacingGrid({ shape: [122, 101, 112], affine: affine.map((r) => [...r]) as never }, [1.5, 1.5, 1.5]);
    expect(grid.shape).toEqual([243, 201, 223]);
    expect(grid.affine.map((r) => [...r])).toEqual([
      [1.5, 0, 0, -177.95],
      [0, 1.5, 0, 11.3],
      [0, 0, 1.5, 94.3],
      [0, 0, 0, 1],
    ]);
    // (n - 1) · 1 / 2 + 1 = 2.5 and 3.5: half to even gives 2 and 4 (Math.round would give 3 and 4).
    const halves = firstVoxelSpacingGrid({ shape: [4, 6, 1], affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] as never }, [2, 2, 2]);
    expect(halves.shape).toEqual([2, 4, 1]);
  });
});

describe('MONAI intensity', () => {
  it('NormalizeIntensity(nonzero) uses and changes only voxels != 0, population std', () => {
    const out = normalizeIntensity(Float32Array.from([0, 1, 3, 0, 5]), { nonzero: true });
    // mean 3, std sqrt(8 / 3)
    const s = Math.sqrt(8 / 3);
    expect([...out]).toEqual([0, Math.fround(-2 / s), 0, 0, Math.fround(2 / s)]);
    expect([...normalizeIntensity(Float32Array.from([2, 2]), { nonzero: false })]).toEqual([0, 0]);
  });

  it('ScaleIntensity maps [min, max] onto [minv, maxv]', () => {
    expect([...scaleIntensity(Float32Array.from([-4, 0, 4]), -1, 1)]).toEqual([-1, 0, 1]);
    expect([...scaleIntensity(Float32Array.from([7, 7]), -1, 1)]).toEqual([-7, -7]);
  });

  it('a steps chain in a manifest runs in order', () => {
    const manifest = parseManifest(
      {
        format: 'uniseg.model/1',
        name: 'chain',
        input: { tensor: 'image' },
        preprocess: { orientation: 'RAS', spacing: [1, 1, 1], axes: 'xyz', grid: 'first-voxel', intensity: { kind: 'steps', steps: [{ kind: 'normalize', nonzero: true }, { kind: 'scale', minv: -1, maxv: 1 }] } },
        inference: { roi: [8, 8, 8], padMode: 'replicate' },
        parts: { net: { file: 'net.onnx', inputs: ['image'], outputs: ['logits'] } },
        tasks: [{ name: 'a', prompt: 'a', route: { kind: 'fixed' }, output: { tensor: 'logits', channels: [1] }, labels: { a: 1 }, activation: 'softmax' }],
      },
      'chain',
    );
    expect(manifest.inference.padMode).toBe('replicate');
    // normalize over the nonzero 1 and 3 (mean 2, std 1): [0, -1, 0, 1]; then scale: min -1, max 1.
    expect([...normalise(Float32Array.from([0, 1, 0, 3]), manifest.preprocess.intensity)]).toEqual([0, -1, 0, 1]);
    expect(() => parseManifest({ ...manifest, preprocess: { ...manifest.preprocess, grid: 'corner' } }, 'bad')).toThrow(/preprocess.grid/);
  });
});

describe('NormalizeIntensity(nonzero) after Spacing', () => {
  it("leaves out a voxel whose neighbours cancel to exactly 0 where MONAI's float64 grid lands exactly on it", () => {
    // Along i: 5, 1, -1, 5 HU at 1 mm → 0.5 mm: 5, 3, 1, 0 (= (1 + -1) / 2), -1, 2, 5. torch's grid
    // puts output 3 exactly at source 1.5 here (test/models/monai_spacing_ref.py says so), so the
    // sum is exactly 0 and NormalizeIntensity(nonzero) neither counts nor changes it.
    const ct = makeVolume(Int16Array.from([5, 1, -1, 5]), [4, 1, 1], [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] as never);
    const manifest = parseManifest(
      {
        format: 'uniseg.model/1',
        name: 'nz',
        input: { tensor: 'image' },
        preprocess: { orientation: 'RAS', spacing: [0.5, 1, 1], axes: 'xyz', grid: 'first-voxel', intensity: { kind: 'normalize', nonzero: true } },
        inference: { roi: [8, 8, 8] },
        parts: { net: { file: 'net.onnx', inputs: ['image'], outputs: ['logits'] } },
        tasks: [{ name: 'a', prompt: 'a', route: { kind: 'fixed' }, output: { tensor: 'logits', channels: [1] }, labels: { a: 1 }, activation: 'softmax' }],
      },
      'nz',
    );
    const { grid, data } = toModelGrid(ct, manifest);
    expect(grid.shape).toEqual([7, 1, 1]);
    const values = [5, 3, 1, 0, -1, 2, 5];
    const counted = values.filter((_, i) => i !== 3);
    const mean = counted.reduce((a, b) => a + b, 0) / counted.length;
    const std = Math.sqrt(counted.reduce((a, b) => a + (b - mean) ** 2, 0) / counted.length);
    values.forEach((v, i) => expect(data[i]).toBeCloseTo(i === 3 ? 0 : (v - mean) / std, 6));
  });
});

describe('replicate padding', () => {
  // A network whose output is its window's mean: the padded values show in the result.
  const meanNet: PartRunner = {
    async run(_part: string, [x]: readonly TensorData[]) {
      const mean = x.data.reduce((a, b) => a + b, 0) / x.data.length;
      return [{ data: new Float32Array(x.data.length).fill(mean), dims: x.dims }];
    },
    async release() {},
  };
  const blendedMean = async (padMode: 'constant' | 'replicate') => {
    const out = await slidingWindow({
      image: Float32Array.from([1, 3]),
      dims: [1, 1, 2],
      roi: [1, 1, 4],
      overlap: 0,
      sigmaScale: 0.125,
      batchSize: 1,
      padValue: 0,
      padMode,
      steps: [{ key: 'net(input)', part: 'net', inputKeys: ['input'], outputKeys: ['net(input).logits'] }],
      outputs: [{ key: 'net(input).logits', channels: [0] }],
      manifest: undefined as never,
      runner: meanNet,
    });
    return [...out.blended.get('net(input).logits')!.get(0)!];
  };

  it('repeats the edge voxels where constant padding writes padValue', async () => {
    expect(await blendedMean('constant')).toEqual([1, 1]); // window [0, 1, 3, 0]
    expect(await blendedMean('replicate')).toEqual([2, 2]); // window [1, 1, 3, 3]
  });
});
