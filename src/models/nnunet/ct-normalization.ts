/**
 * nnU-Net's CTNormalization in float32, step by step as numpy does it on a float32 array:
 * clip to [percentile 0.5, percentile 99.5] of the training foreground, subtract the mean, divide
 * by max(std, 1e-8), each result rounded to float32.
 */
export interface CtNormalization {
  readonly lower: number;
  readonly upper: number;
  readonly mean: number;
  readonly std: number;
}

export function ctNormalise(data: ArrayLike<number>, spec: CtNormalization): Float32Array {
  const lower = Math.fround(spec.lower);
  const upper = Math.fround(spec.upper);
  const mean = Math.fround(spec.mean);
  const std = Math.fround(Math.max(spec.std, 1e-8));
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const x = Math.fround(data[i]);
    const clipped = x < lower ? lower : x > upper ? upper : x;
    out[i] = Math.fround(clipped - mean) / std;
  }
  return out;
}
