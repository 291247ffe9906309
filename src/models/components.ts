/**
 * Binary-mask postprocessing on a voxel grid (i fastest): keep the largest 26-connected component
 * (MONAI KeepLargestConnectedComponent's default full connectivity) and fill holes (background
 * not 6-connected to the grid border). Breadth-first with one preallocated queue; no recursion.
 */
import type { Shape3 } from '../volume/types.ts';

/** Marks each voxel of `mask` (nonzero = in) with its component id (1..n) using `connectivity` neighbours. */
function labelComponents(mask: Uint8Array, shape: Shape3, full: boolean): { labels: Int32Array; sizes: number[] } {
  const [nx, ny, nz] = shape;
  const labels = new Int32Array(mask.length);
  const queue = new Int32Array(mask.length);
  const sizes = [0];
  const offsets: [number, number, number][] = [];
  for (let dz = -1; dz <= 1; dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const manhattan = Math.abs(dx) + Math.abs(dy) + Math.abs(dz);
        if (manhattan > 0 && (full || manhattan === 1)) offsets.push([dx, dy, dz]);
      }
  for (let seed = 0; seed < mask.length; seed++) {
    if (!mask[seed] || labels[seed]) continue;
    const id = sizes.length;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    labels[seed] = id;
    while (head < tail) {
      const v = queue[head++];
      const x = v % nx;
      const y = Math.floor(v / nx) % ny;
      const z = Math.floor(v / (nx * ny));
      for (const [dx, dy, dz] of offsets) {
        const X = x + dx;
        const Y = y + dy;
        const Z = z + dz;
        if (X < 0 || Y < 0 || Z < 0 || X >= nx || Y >= ny || Z >= nz) continue;
        const u = X + nx * (Y + ny * Z);
        if (mask[u] && !labels[u]) {
          labels[u] = id;
          queue[tail++] = u;
        }
      }
    }
    sizes.push(tail);
  }
  return { labels, sizes };
}

/** The largest 26-connected component of a binary mask (ties: the first found). */
export function largestComponent(mask: Uint8Array, shape: Shape3): Uint8Array {
  const { labels, sizes } = labelComponents(mask, shape, true);
  let best = 0;
  for (let id = 1; id < sizes.length; id++) if (sizes[id] > (sizes[best] ?? 0)) best = id;
  const out = new Uint8Array(mask.length);
  if (best === 0) return out;
  for (let v = 0; v < mask.length; v++) out[v] = labels[v] === best ? 1 : 0;
  return out;
}

/** Fills background regions enclosed by the mask (not 6-connected to the border of the grid). */
export function fillHoles(mask: Uint8Array, shape: Shape3): Uint8Array {
  const [nx, ny, nz] = shape;
  const background = new Uint8Array(mask.length);
  for (let v = 0; v < mask.length; v++) background[v] = mask[v] ? 0 : 1;
  const { labels } = labelComponents(background, shape, false);
  const outside = new Set<number>();
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        if (x > 0 && y > 0 && z > 0 && x < nx - 1 && y < ny - 1 && z < nz - 1) continue;
        const id = labels[x + nx * (y + ny * z)];
        if (id) outside.add(id);
      }
  const out = new Uint8Array(mask.length);
  for (let v = 0; v < mask.length; v++) out[v] = mask[v] || (labels[v] && !outside.has(labels[v])) ? 1 : 0;
  return out;
}
