/**
 * Volume order (i fastest) ↔ network tensor order. A network trained with axes 'xyz' (MONAI,
 * nibabel) sees tensor dims [i, j, k] in C order, so k is fastest and the data must be transposed;
 * 'zyx' (nnU-Net, SimpleITK) sees [k, j, i], which is exactly the volume's own memory order.
 */
import type { Shape3 } from '../volume/types.ts';
import type { Triple } from './windows.ts';

export type AxisOrder = 'xyz' | 'zyx';

/** Tensor spatial dims for a volume shape [nx, ny, nz]. */
export function tensorDims(shape: Shape3, axes: AxisOrder): Triple {
  return axes === 'xyz' ? [shape[0], shape[1], shape[2]] : [shape[2], shape[1], shape[0]];
}

/** Volume-order data → tensor-order data (a copy for xyz, the same array for zyx). */
export function toTensorOrder<T extends Float32Array | Uint8Array>(data: T, shape: Shape3, axes: AxisOrder): T {
  if (axes === 'zyx') return data;
  const [nx, ny, nz] = shape;
  const out = (data instanceof Uint8Array ? new Uint8Array(data.length) : new Float32Array(data.length)) as T;
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) out[(i * ny + j) * nz + k] = data[v++];
  return out;
}

/** Tensor-order data → volume order (inverse of toTensorOrder). */
export function toVolumeOrder(data: Float32Array, shape: Shape3, axes: AxisOrder): Float32Array {
  if (axes === 'zyx') return data;
  const [nx, ny, nz] = shape;
  const out = new Float32Array(data.length);
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) out[v++] = data[(i * ny + j) * nz + k];
  return out;
}
