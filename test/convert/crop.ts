/** Sub-blocks of real volumes (small CTs for end-to-end tests). */
import { makeVolume } from '../../src/volume/volume.ts';
import type { Shape3, Volume } from '../../src/volume/types.ts';

/** A sub-block of a volume with its affine moved to the block's first voxel. */
export function cropVolume(v: Volume, start: Shape3, size: Shape3): Volume<Float32Array> {
  const [nx, ny] = v.shape;
  const out = new Float32Array(size[0] * size[1] * size[2]);
  let o = 0;
  for (let k = 0; k < size[2]; k++)
    for (let j = 0; j < size[1]; j++)
      for (let i = 0; i < size[0]; i++) out[o++] = v.data[start[0] + i + nx * (start[1] + j + ny * (start[2] + k))];
  const a = v.affine;
  const shifted = a.map((row, r) => (r < 3 ? [row[0], row[1], row[2], row[3] + row[0] * start[0] + row[1] * start[1] + row[2] * start[2]] : [...row]));
  return makeVolume(out, size, shifted);
}

/** Half-open voxel box of the label values `values` in `labels`, grown by `margin` and clipped to the volume. */
export function labelBox(labels: Volume, values: ReadonlySet<number>, margin: number): { from: Shape3; size: Shape3 } {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  const [nx, ny, nz] = labels.shape;
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    if (!values.has(labels.data[i + nx * (j + ny * k)])) continue;
    [i, j, k].forEach((v, a) => { lo[a] = Math.min(lo[a], v); hi[a] = Math.max(hi[a], v + 1); });
  }
  if (lo[0] === Infinity) throw new Error(`no voxel with label ${[...values].join(', ')}`);
  const from = lo.map((v) => Math.max(0, v - margin)) as unknown as Shape3;
  return { from, size: hi.map((v, a) => Math.min(labels.shape[a], v + margin) - from[a]) as unknown as Shape3 };
}
