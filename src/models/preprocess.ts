/**
 * CT → the model's grid: the model grid is the CT's grid reoriented to the model orientation and
 * re-spaced to the model spacing. When only the orientation differs, the data is reoriented
 * exactly (no interpolation); otherwise it is sampled trilinearly in world coordinates straight
 * from the CT, which gives the same values as reorienting first without holding a full-size copy.
 */
import { UnisegError } from '../errors.ts';
import { firstVoxelSpacingGrid, gridOf, sameGrid, spacingGrid, type Grid } from '../volume/grid.ts';
import { normalizeIntensity, scaleIntensity, scaleIntensityRange, zscore } from '../volume/intensity.ts';
import { applyReorient, reorientGrid, reorientTransform } from '../volume/reorient.ts';
import { parseOrientation } from '../volume/affine.ts';
import { resampleToGrid } from '../volume/resample.ts';
import type { Volume } from '../volume/types.ts';
import { makeVolume } from '../volume/volume.ts';
import { bodyMask } from './body.ts';
import type { IntensitySpec, IntensityStep, Manifest } from './manifest.ts';
import { ctNormalise } from './nnunet/ct-normalization.ts';

export interface ModelInput {
  /** The model grid (oriented, at the model spacing), in world coordinates. */
  readonly grid: Grid;
  /** Normalised intensities on that grid, volume order (i fastest). */
  readonly data: Float32Array;
  /** 1 where the CT value on that grid is above the air threshold (body.ts), volume order. */
  readonly body: Uint8Array;
}

export function toModelGrid(ct: Volume, manifest: Manifest): ModelInput {
  const transform = reorientTransform(ct.orientation, parseOrientation(manifest.preprocess.orientation));
  const oriented = reorientGrid(gridOf(ct), transform);
  const spacing = manifest.preprocess.spacing;
  const grid = manifest.preprocess.grid === 'first-voxel' ? firstVoxelSpacingGrid(oriented, spacing) : spacingGrid(oriented, spacing);
  const resampled = !sameGrid(oriented, grid);
  const floats = resampled ? resampleToGrid(ct, grid, { mode: 'linear', outside: 'edge' }).data : Float32Array.from(applyReorient(ct, transform).data);
  const spec = manifest.preprocess.intensity;
  const mask = resampled && normalizesNonzero(spec) ? nonzeroSupport(ct, grid) : undefined;
  const body = bodyMask(floats);
  const data = normalise(floats, spec, mask);
  checkNotEmpty(data);
  return { grid, data, body };
}

function normalizesNonzero(spec: IntensitySpec): boolean {
  return (spec.kind === 'steps' ? spec.steps : [spec]).some((s) => s.kind === 'normalize' && s.nonzero);
}

/**
 * Which model-grid voxels MONAI's NormalizeIntensity(nonzero) counts after Spacing: those with a
 * nonzero CT voxel within one voxel of their trilinear support. MONAI resamples in float64
 * (affine_grid + grid_sample), whose coordinates land ~1e-12 off the exact ones, so a voxel
 * centred on a CT voxel of 0 HU picks up a neighbour and is not exactly 0, and +1/-1 HU
 * neighbours do not cancel to 0; exact arithmetic would leave 0 there and drop the voxel from the
 * statistics (8161 voxels of the shared CT's model grid, each then off by ~0.15). Which neighbour
 * the rounding reaches depends on the last bits of torch's arithmetic: this rule counts all of
 * them, and differs from MONAI only where that rounding happens to be exact (730 voxels there).
 */
function nonzeroSupport(ct: Volume, grid: Grid): Uint8Array {
  const near = dilateNonzero(ct);
  const support = resampleToGrid(makeVolume(near, ct.shape, ct.affine), grid, { mode: 'linear', outside: 'edge' }).data;
  return Uint8Array.from(support, (v) => (v > 0 ? 1 : 0));
}

/** 1 where the CT has a nonzero voxel in the 3x3x3 block around, else 0 (separable max, axis by axis). */
function dilateNonzero(ct: Volume): Float32Array {
  const [nx, ny] = ct.shape;
  let cur = Float32Array.from(ct.data as ArrayLike<number>, (v) => (v !== 0 ? 1 : 0));
  const strides = [1, nx, nx * ny];
  for (let axis = 0; axis < 3; axis++) {
    const next = new Float32Array(cur.length);
    const n = ct.shape[axis];
    const step = strides[axis];
    for (let v = 0; v < cur.length; v++) {
      const i = Math.floor(v / step) % n;
      next[v] = cur[v] || (i > 0 && cur[v - step]) || (i < n - 1 && cur[v + step]) ? 1 : 0;
    }
    cur = next;
  }
  return cur;
}

/** The manifest's intensity steps in order; `mask` says which voxels `normalize` with `nonzero` uses. */
export function normalise(data: Float32Array, spec: IntensitySpec, mask?: Uint8Array): Float32Array {
  // The mask describes the resampled CT: it holds for the first step only (after another step, x != 0 is MONAI's test too).
  const steps = spec.kind === 'steps' ? spec.steps : [spec];
  return steps.reduce((d, s, i) => normaliseStep(d, s, i === 0 ? mask : undefined), data);
}

function normaliseStep(data: Float32Array, spec: IntensityStep, mask?: Uint8Array): Float32Array {
  switch (spec.kind) {
    case 'none':
      return data;
    case 'clip':
      return scaleIntensityRange(data, spec);
    case 'zscore':
      return zscore(data, { mean: spec.mean, std: spec.std });
    case 'ct':
      return ctNormalise(data, spec);
    case 'normalize':
      return normalizeIntensity(data, { nonzero: spec.nonzero, mask });
    case 'scale':
      return scaleIntensity(data, spec.minv, spec.maxv);
  }
}

/** A CT with no contrast at all (every voxel equal after normalisation) has nothing to segment. */
function checkNotEmpty(data: Float32Array): void {
  const first = data[0];
  for (let i = 1; i < data.length; i++) if (data[i] !== first) return;
  throw new UnisegError('VOLUME_EMPTY_AFTER_CROP', `the CT holds no structure on the model grid: all ${data.length} voxels equal ${first} after normalisation`, {
    value: first,
    voxels: data.length,
  });
}
