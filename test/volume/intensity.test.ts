import { describe, expect, it } from 'vitest';
import { applyIntensity, formatIntensity, parseIntensity, scaleIntensityRange, zscore } from '../../src/volume/intensity.ts';
import { isUnisegError } from '../../src/errors.ts';

function expectInvalid(f: () => unknown, text: string): void {
  try {
    f();
    expect.unreachable();
  } catch (e) {
    expect(isUnisegError(e, 'INVALID_ARGUMENT')).toBe(true);
    expect((e as Error).message).toContain(text);
  }
}
const close = (a: ArrayLike<number>, b: number[]) => {
  expect(a.length).toBe(b.length);
  b.forEach((v, i) => expect(a[i]).toBeCloseTo(v, 6));
};

describe('scaleIntensityRange (MONAI ScaleIntensityRange semantics)', () => {
  const hu = Int16Array.from([-2000, -1000, -500, 0, 500, 1000, 3000]);

  it('maps [aMin, aMax] linearly onto [bMin, bMax] and extrapolates without clip', () => {
    const out = scaleIntensityRange(hu, { aMin: -1000, aMax: 1000, bMin: 0, bMax: 1, clip: false });
    expect(out).toBeInstanceOf(Float32Array);
    close(out, [-0.5, 0, 0.25, 0.5, 0.75, 1, 2]);
  });

  it('clips to [bMin, bMax] with clip', () => {
    close(scaleIntensityRange(hu, { aMin: -1000, aMax: 1000, bMin: 0, bMax: 1, clip: true }), [0, 0, 0.25, 0.5, 0.75, 1, 1]);
  });

  it('matches the common abdomen window (-175..250 HU to 0..1)', () => {
    // (37.5 + 175) / 425 = 0.5 and (-175 + 175) / 425 = 0, as MONAI computes.
    close(scaleIntensityRange([37.5, -175, 250, 675], { aMin: -175, aMax: 250, bMin: 0, bMax: 1, clip: false }), [0.5, 0, 1, 2]);
  });

  it('supports an arbitrary output range and an inverted one', () => {
    close(scaleIntensityRange([0, 5, 10, 20], { aMin: 0, aMax: 10, bMin: -1, bMax: 1, clip: true }), [-1, 0, 1, 1]);
    // Inverted: clip limits to [bMax, bMin] (MONAI would set every voxel to bMax).
    close(scaleIntensityRange([-5, 0, 5, 10, 20], { aMin: 0, aMax: 10, bMin: 1, bMax: 0, clip: true }), [1, 1, 0.5, 0, 0]);
  });

  it('does not modify its input', () => {
    const data = Float32Array.from([1, 2, 3]);
    scaleIntensityRange(data, { aMin: 0, aMax: 4, bMin: 0, bMax: 1, clip: true });
    expect(Array.from(data)).toEqual([1, 2, 3]);
  });

  it('rejects aMin == aMax and non-finite bounds', () => {
    expectInvalid(() => scaleIntensityRange(hu, { aMin: 5, aMax: 5, bMin: 0, bMax: 1, clip: true }), '5');
    expectInvalid(() => scaleIntensityRange(hu, { aMin: 0, aMax: Infinity, bMin: 0, bMax: 1, clip: true }), 'aMax');
  });
});

describe('zscore', () => {
  it('uses the mean and population standard deviation of the data by default', () => {
    // mean 2.5, population variance 1.25
    const s = Math.sqrt(1.25);
    close(zscore(Uint8Array.from([1, 2, 3, 4])), [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]);
  });

  it('uses given statistics, even partly', () => {
    close(zscore([10, 20, 30], { mean: 20, std: 5 }), [-2, 0, 2]);
    // std still comes from the data: sqrt(200 / 3) about its own mean 20.
    const s = Math.sqrt(200 / 3);
    close(zscore([10, 20, 30], { mean: 0 }), [10 / s, 20 / s, 30 / s]);
    close(zscore([10, 20, 30], { std: 10 }), [-1, 0, 1]);
  });

  it('stays accurate on CT-like offsets', () => {
    const data = Int16Array.from({ length: 100000 }, (_, i) => -1000 + (i % 2));
    const out = zscore(data);
    expect(out[0]).toBeCloseTo(-1, 5);
    expect(out[1]).toBeCloseTo(1, 5);
  });

  it('does not divide when the standard deviation is 0', () => {
    close(zscore([7, 7, 7]), [0, 0, 0]);
    close(zscore([1, 2, 3], { mean: 1, std: 0 }), [0, 1, 2]);
  });

  it('handles empty input and rejects bad statistics', () => {
    expect(zscore([]).length).toBe(0);
    expectInvalid(() => zscore([1], { std: -1 }), '-1');
    expectInvalid(() => zscore([1], { mean: Number.NaN }), 'mean');
  });
});

describe('parseIntensity / applyIntensity', () => {
  it('parses the three forms', () => {
    expect(parseIntensity('none')).toEqual({ kind: 'none' });
    expect(parseIntensity(' CLIP: -175, 250, 0, 1 ')).toEqual({ kind: 'clip', aMin: -175, aMax: 250, bMin: 0, bMax: 1 });
    expect(parseIntensity('zscore:100.5,2e1')).toEqual({ kind: 'zscore', mean: 100.5, std: 20 });
    expect(parseIntensity('zscore')).toEqual({ kind: 'zscore' });
  });

  it('formats back to text that parses to the same transform', () => {
    for (const spec of ['none', 'clip:-175,250,0,1', 'zscore:100.5,20', 'zscore']) {
      expect(formatIntensity(parseIntensity(spec))).toBe(spec);
    }
  });

  it('rejects malformed specs, naming the spec', () => {
    const bad = ['', 'foo', 'none:1', 'clip', 'clip:1,2,3', 'clip:1,2,3,4,5', 'clip:a,2,3,4', 'clip:1,,3,4', 'clip:5,5,0,1', 'zscore:1', 'zscore:0,-1', 'zscore:1,Infinity'];
    for (const spec of bad) expectInvalid(() => parseIntensity(spec), `"${spec}"`);
  });

  it('applies each kind', () => {
    const data = Int16Array.from([-1000, 0, 1000]);
    const none = applyIntensity(data, parseIntensity('none'));
    expect(none).toBeInstanceOf(Float32Array);
    close(none, [-1000, 0, 1000]);
    close(applyIntensity(data, parseIntensity('clip:-500,500,0,1')), [0, 0.5, 1]);
    close(applyIntensity(data, parseIntensity('zscore:0,1000')), [-1, 0, 1]);
    const s = Math.sqrt(2e6 / 3);
    close(applyIntensity(data, parseIntensity('zscore')), [-1000 / s, 0, 1000 / s]);
  });
});
