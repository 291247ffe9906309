/**
 * CT → the model's grid: the model grid is the CT's grid reoriented to the model orientation and
 * re-spaced to the model spacing. When only the orientation differs, the data is reoriented
 * exactly (no interpolation); otherwise it is sampled trilinearly in world coordinates straight
 * from the CT, which gives the same values as reorienting first without holding a full-size copy.
 */
import { UnisegError } from '../errors.ts';
import { gridOf, sameGrid, spacingGrid, type Grid } from '../volume/grid.ts';
import { scaleIntensityRange, zscore } from '../volume/intensity.ts';
import { applyReorient, reorientGrid, reorientTransform } from '../volume/reorient.ts';
import { parseOrientation } from '../volume/affine.ts';
import { resampleToGrid } from '../volume/resample.ts';
import type { Volume } from '../volume/types.ts';
import { bodyMask } from './body.ts';
import type { IntensitySpec, Manifest } from './manifest.ts';

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
  const grid = spacingGrid(oriented, manifest.preprocess.spacing);
  const floats = sameGrid(oriented, grid)
    ? Float32Array.from(applyReorient(ct, transform).data)
    : resampleToGrid(ct, grid, { mode: 'linear', outside: 'edge' }).data;
  const body = bodyMask(floats);
  const data = normalise(floats, manifest.preprocess.intensity);
  checkNotEmpty(data);
  return { grid, data, body };
}

export function normalise(data: Float32Array, spec: IntensitySpec): Float32Array {
  switch (spec.kind) {
    case 'none':
      return data;
    case 'clip':
      return scaleIntensityRange(data, spec);
    case 'zscore':
      return zscore(data, { mean: spec.mean, std: spec.std });
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
