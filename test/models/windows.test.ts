import { describe, expect, it } from 'vitest';
import { gaussianImportance, windowLayout } from '../../src/models/windows.ts';

describe('windowLayout (MONAI sliding_window_inference semantics)', () => {
  it('steps by roi * (1 - overlap) and puts the last window flush with the end', () => {
    const layout = windowLayout([100, 64, 65], [64, 64, 64], 0.5);
    expect(layout.starts[0]).toEqual([0, 32, 36]);
    // roi == size: one window.
    expect(layout.starts[1]).toEqual([0]);
    expect(layout.starts[2]).toEqual([0, 1]);
    expect(layout.count).toBe(3 * 1 * 2);
    expect(layout.padded).toEqual([100, 64, 65]);
  });

  it('pads a volume smaller than the roi symmetrically (extra voxel after)', () => {
    const layout = windowLayout([16, 20, 30], [24, 24, 24], 0.5);
    expect(layout.padded).toEqual([24, 24, 30]);
    expect(layout.padBefore).toEqual([4, 2, 0]);
    expect(layout.starts[2]).toEqual([0, 6]);
  });

  it('never steps by less than one voxel', () => {
    const layout = windowLayout([10, 10, 10], [4, 4, 4], 0.9);
    expect(layout.starts[0]).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe('gaussianImportance', () => {
  it('is a separable gaussian centred at (n - 1) / 2 with sigma = scale * n', () => {
    const dims = [8, 6, 5] as const;
    const w = gaussianImportance(dims, 0.125);
    const g = (x: number, n: number) => Math.exp(-((x - (n - 1) / 2) ** 2) / (2 * (0.125 * n) ** 2));
    const floor = Math.max(g(0, 8) * g(0, 6) * g(0, 5), 1e-3);
    for (const [a, b, c] of [[0, 0, 0], [3, 2, 2], [7, 5, 4], [4, 3, 1]]) {
      const expected = Math.max(g(a, 8) * g(b, 6) * g(c, 5), floor);
      expect(w[(a * 6 + b) * 5 + c]).toBeCloseTo(expected, 6);
    }
  });

  it('floors tiny weights at 1e-3', () => {
    const w = gaussianImportance([64, 64, 64], 0.125);
    const min = w.reduce((a, b) => Math.min(a, b), Infinity);
    const max = w.reduce((a, b) => Math.max(a, b), -Infinity);
    expect(min).toBeCloseTo(1e-3, 9);
    expect(max).toBeLessThanOrEqual(1);
  });
});
