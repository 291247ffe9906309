/**
 * The three orthogonal planes of a volume stored in LPS order (i toward the patient's Left, j
 * toward Posterior, k toward Superior), as radiologists view them: axial seen from the feet
 * (patient's right on the image's left, anterior at the top), coronal seen from the front
 * (patient's right on the left, superior at the top), sagittal seen from the patient's left
 * (anterior on the left, superior at the top).
 */
import type { Shape3, Spacing3, VoxelIndex } from '../volume/types.ts';

export type View = 'axial' | 'coronal' | 'sagittal';
export const VIEWS: readonly View[] = ['axial', 'coronal', 'sagittal'];

export interface Plane {
  readonly view: View;
  /** Slice index along the view's normal (k, j or i of the LPS volume). */
  readonly slice: number;
  /** Pixels of the plane at one pixel per voxel. */
  readonly width: number;
  readonly height: number;
  /** Millimetres per pixel along x and y (unequal for anisotropic voxels). */
  readonly pixelMm: readonly [number, number];
  /** Letters for the image's left and right edges (anatomical direction they face). */
  readonly edges: readonly [string, string];
  /** Index into the LPS volume's data of plane pixel (x, y). */
  index(x: number, y: number): number;
  /** Plane pixel (x, y) of an LPS voxel (the slice coordinate is dropped). */
  pixelOf(ijk: VoxelIndex): readonly [number, number];
}

/** The plane of `view` through LPS voxel `centre`. */
export function planeThrough(view: View, centre: VoxelIndex, shape: Shape3, spacing: Spacing3): Plane {
  const [nx, ny, nz] = shape;
  const [sx, sy, sz] = spacing;
  if (view === 'axial') {
    const k = clampIndex(centre[2], nz);
    return {
      view, slice: k, width: nx, height: ny, pixelMm: [sx, sy], edges: ['R', 'L'],
      index: (x, y) => x + nx * (y + ny * k),
      pixelOf: (v) => [v[0], v[1]],
    };
  }
  if (view === 'coronal') {
    const j = clampIndex(centre[1], ny);
    return {
      view, slice: j, width: nx, height: nz, pixelMm: [sx, sz], edges: ['R', 'L'],
      index: (x, y) => x + nx * (j + ny * (nz - 1 - y)),
      pixelOf: (v) => [v[0], nz - 1 - v[2]],
    };
  }
  const i = clampIndex(centre[0], nx);
  return {
    view, slice: i, width: ny, height: nz, pixelMm: [sy, sz], edges: ['A', 'P'],
    index: (x, y) => i + nx * (x + ny * (nz - 1 - y)),
    pixelOf: (v) => [v[1], nz - 1 - v[2]],
  };
}

function clampIndex(value: number, n: number): number {
  return Math.min(n - 1, Math.max(0, Math.round(value)));
}

/** Mean voxel index of the non-zero voxels; the volume's centre when there are none. */
export function centroid(data: ArrayLike<number>, shape: Shape3): VoxelIndex {
  const [nx, ny] = shape;
  let n = 0;
  let si = 0;
  let sj = 0;
  let sk = 0;
  for (let p = 0; p < data.length; p++) {
    if (data[p] === 0) continue;
    n++;
    si += p % nx;
    sj += Math.floor(p / nx) % ny;
    sk += Math.floor(p / (nx * ny));
  }
  if (n === 0) return [(shape[0] - 1) / 2, (shape[1] - 1) / 2, (shape[2] - 1) / 2];
  return [si / n, sj / n, sk / n];
}
