/**
 * Gaussian blending of window outputs over the padded tensor grid: sum(w * raw output) / sum(w)
 * per output key and channel. Every key may run on its own subset of windows (locate, air
 * skipping), so each key can own its weight sum; when all keys run on every window they share one,
 * which keeps the arithmetic of the plain sliding window exactly. With float16, every weighted sum
 * and every quotient is rounded to float16 as nnU-Net's accumulators are (nnunet/f16.ts).
 */
import { UnisegError } from '../errors.ts';
import { f16roundFloat32 } from './nnunet/f16.ts';
import type { TensorData } from './parts.ts';
import type { Triple } from './windows.ts';

export interface AccumulateRequest {
  /** Output tensor key (from a plan). */
  readonly key: string;
  /** Channels of that tensor to blend; 'all' when a softmax needs every channel (count known after the first window). */
  readonly channels: readonly number[] | 'all';
}

/** Raw logits written where a key was not computed: a background channel (softmax) or every channel (sigmoid). */
export interface Background {
  /** Channel that wins the softmax there; null for sigmoid outputs (all channels get `low`). */
  readonly channel: number | null;
}

/** A logit so low that its probability is below 1e-13 (and above float32's smallest normal in exp). */
export const BACKGROUND_LOGIT = -30;

export class Blender {
  private readonly accumulators = new Map<string, Map<number, Float32Array>>();
  private readonly wantsAll = new Set<string>();
  private readonly weights = new Map<string, Float32Array>();
  private readonly size: number;
  private readonly round: ((x: number) => number) | null;

  constructor(
    private readonly padded: Triple,
    private readonly roi: Triple,
    private readonly weight: Float32Array,
    outputs: readonly AccumulateRequest[],
    /** One weight sum for every key (every key runs on every window). */
    shared: boolean,
    /** Round accumulation and division to float16 (nnU-Net's predictor). */
    float16 = false,
  ) {
    this.round = float16 ? f16roundFloat32 : null;
    this.size = padded[0] * padded[1] * padded[2];
    const common = shared ? new Float32Array(this.size) : undefined;
    for (const { key, channels } of outputs) {
      const perChannel = this.accumulators.get(key) ?? new Map<number, Float32Array>();
      if (channels === 'all') this.wantsAll.add(key);
      else for (const c of channels) if (!perChannel.has(c)) perChannel.set(c, new Float32Array(this.size));
      this.accumulators.set(key, perChannel);
      if (!this.weights.has(key)) this.weights.set(key, common ?? new Float32Array(this.size));
    }
  }

  keys(): string[] {
    return [...this.accumulators.keys()];
  }

  /** Adds batch item `b` of `outputs` at `corner` to the given keys. */
  add(corner: Triple, outputs: ReadonlyMap<string, TensorData>, b: number, batch: number, keys: readonly string[]): void {
    const roiSize = this.roi[0] * this.roi[1] * this.roi[2];
    const added = new Set<Float32Array>();
    for (const key of keys) {
      const sum = this.weights.get(key)!;
      if (!added.has(sum)) {
        addWeighted(sum, this.padded, corner, this.roi, this.weight, null, 0, this.round);
        added.add(sum);
      }
    }
    for (const key of keys) {
      const perChannel = this.accumulators.get(key)!;
      const tensor = outputs.get(key)!;
      checkOutputDims(tensor, key, batch, this.roi);
      const channelCount = tensor.dims[1];
      if (this.wantsAll.has(key) && perChannel.size < channelCount) {
        for (let c = 0; c < channelCount; c++) if (!perChannel.has(c)) perChannel.set(c, new Float32Array(this.size));
      }
      for (const [c, acc] of perChannel) {
        if (c >= channelCount) {
          throw new UnisegError('MODEL_TENSOR_MISMATCH', `output ${key} has ${channelCount} channels; channel ${c} was requested`, { key, channel: c, channels: channelCount });
        }
        addWeighted(acc, this.padded, corner, this.roi, this.weight, tensor.data, (b * channelCount + c) * roiSize, this.round);
      }
    }
  }

  /** The weighted sums so far (not yet divided), for a coarse look before the blend is finished. */
  raw(key: string): { channels: Map<number, Float32Array>; weightSum: Float32Array } {
    return { channels: this.accumulators.get(key)!, weightSum: this.weights.get(key)! };
  }

  /**
   * Divides by the weight sums. Voxels no window of a key covered, and voxels outside `inside` (when
   * given for that key), get the key's background logits instead. Accumulators are reused in place.
   */
  finish(background?: ReadonlyMap<string, Background>, inside?: ReadonlyMap<string, Uint8Array>): Map<string, Map<number, Float32Array>> {
    const out = new Map<string, Map<number, Float32Array>>();
    for (const [key, perChannel] of this.accumulators) {
      const sum = this.weights.get(key)!;
      const bg = background?.get(key);
      const keep = inside?.get(key);
      const round = this.round;
      for (const [c, acc] of perChannel) {
        if (!bg) {
          if (round) for (let i = 0; i < acc.length; i++) acc[i] = round(Math.fround(acc[i] / sum[i]));
          else for (let i = 0; i < acc.length; i++) acc[i] /= sum[i];
          continue;
        }
        const fill = bg.channel === c ? 0 : BACKGROUND_LOGIT;
        const divide = round ?? Math.fround;
        for (let i = 0; i < acc.length; i++) acc[i] = sum[i] > 0 && (!keep || keep[i] === 1) ? divide(Math.fround(acc[i] / sum[i])) : fill;
      }
      out.set(key, perChannel);
    }
    this.weights.clear();
    return out;
  }
}

function checkOutputDims(tensor: TensorData, key: string, batch: number, roi: Triple): void {
  const d = tensor.dims;
  if (d.length !== 5 || d[0] !== batch || d[2] !== roi[0] || d[3] !== roi[1] || d[4] !== roi[2]) {
    throw new UnisegError('MODEL_TENSOR_MISMATCH', `output ${key} has dims [${d.join(', ')}]; expected [${batch}, C, ${roi.join(', ')}]`, {
      key,
      dims: d,
      expected: [batch, 'C', ...roi],
    });
  }
}

/**
 * acc[window] += w * values[offset...] (or += w when values is null, for the weight sum). With
 * `round`, each sum is computed in float32 and rounded by it (nnU-Net's float16 accumulators).
 */
function addWeighted(acc: Float32Array, size: Triple, corner: Triple, roi: Triple, w: Float32Array, values: Float32Array | null, offset: number, round: ((x: number) => number) | null): void {
  if (round) return addWeightedRounded(acc, size, corner, roi, w, values, offset, round);
  let o = 0;
  for (let a = 0; a < roi[0]; a++) {
    for (let b = 0; b < roi[1]; b++) {
      let dst = ((corner[0] + a) * size[1] + (corner[1] + b)) * size[2] + corner[2];
      if (values) {
        let src = offset + o;
        for (let c = 0; c < roi[2]; c++) acc[dst++] += w[o + c] * values[src++];
      } else {
        for (let c = 0; c < roi[2]; c++) acc[dst++] += w[o + c];
      }
      o += roi[2];
    }
  }
}

function addWeightedRounded(acc: Float32Array, size: Triple, corner: Triple, roi: Triple, w: Float32Array, values: Float32Array | null, offset: number, round: (x: number) => number): void {
  let o = 0;
  for (let a = 0; a < roi[0]; a++) {
    for (let b = 0; b < roi[1]; b++) {
      let dst = ((corner[0] + a) * size[1] + (corner[1] + b)) * size[2] + corner[2];
      for (let c = 0; c < roi[2]; c++, dst++) {
        const add = values ? Math.fround(w[o + c] * values[offset + o + c]) : w[o + c];
        acc[dst] = round(Math.fround(acc[dst] + add));
      }
      o += roi[2];
    }
  }
}
