/**
 * Summary statistics of voxel values, as `uniseg info` prints them. Accumulates in float64 (a JS
 * number) so integer data sums exactly up to 2^53 and float32 data does not lose precision as the
 * count grows. Non-finite values are counted and left out, so one NaN does not hide the rest.
 */
import type { VoxelArray } from './types.ts';

export interface VolumeStats {
  /** Finite values summarised. */
  readonly count: number;
  /** NaN or ±Infinity values skipped. */
  readonly nonFinite: number;
  /** NaN when there is no finite value. */
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly sum: number;
}

export function volumeStats(data: VoxelArray | ArrayLike<number>): VolumeStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  let nonFinite = 0;
  const n = data.length;
  if (data instanceof Float32Array || data instanceof Float64Array) {
    for (let i = 0; i < n; i++) {
      const v = data[i];
      if (v - v !== 0) {
        // NaN − NaN and ∞ − ∞ are NaN; every finite value gives 0.
        nonFinite++;
        continue;
      }
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    count = n - nonFinite;
  } else {
    // Integer arrays cannot hold non-finite values: no check in the hot loop.
    for (let i = 0; i < n; i++) {
      const v = data[i];
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    count = n;
  }
  if (count === 0) return { count, nonFinite, min: NaN, max: NaN, mean: NaN, sum: 0 };
  return { count, nonFinite, min, max, mean: sum / count, sum };
}
