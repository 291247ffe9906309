import { describe, expect, it } from 'vitest';
import { volumeStats } from '../../src/volume/stats.ts';

describe('volumeStats', () => {
  it('summarises integer data exactly', () => {
    const s = volumeStats(new Int16Array([-1024, 0, 3071, 1]));
    expect(s).toEqual({ count: 4, nonFinite: 0, min: -1024, max: 3071, sum: 2048, mean: 512 });
  });

  it('accumulates in float64, not in the array type', () => {
    // 2^24 + 1 is not representable in float32; a float32 accumulator would drift.
    const data = new Float32Array(1 << 20).fill(16);
    data[0] = 17;
    const s = volumeStats(data);
    expect(s.sum).toBe(16 * (1 << 20) + 1);
    expect(s.mean).toBe((16 * (1 << 20) + 1) / (1 << 20));
  });

  it('skips and counts non-finite values', () => {
    const s = volumeStats(new Float32Array([1, Number.NaN, 3, Number.POSITIVE_INFINITY]));
    expect(s).toEqual({ count: 2, nonFinite: 2, min: 1, max: 3, sum: 4, mean: 2 });
    const none = volumeStats(new Float64Array([Number.NaN]));
    expect(none.count).toBe(0);
    expect(Number.isNaN(none.min)).toBe(true);
  });

  it('handles large unsigned values', () => {
    const s = volumeStats(new Uint32Array([4294967295, 0]));
    expect(s.max).toBe(4294967295);
    expect(s.sum).toBe(4294967295);
  });
});
