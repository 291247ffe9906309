/**
 * Gaussian-weighted sliding-window execution of a dataflow plan over a tensor-ordered image.
 * Every window runs the union of the requested plans once (shared parts once), and only the
 * requested output tensors/channels are accumulated: sum(w * raw output) / sum(w).
 */
import { UnisegError } from '../errors.ts';
import type { Manifest } from './manifest.ts';
import type { PartRunner, TensorData } from './parts.ts';
import { runSteps, type PlanStep } from './plan.ts';
import { runMirrored } from './mirror.ts';
import { f16roundFloat32 } from './nnunet/f16.ts';
import { gaussianImportance, windowLayout, type Triple, type WindowLayout } from './windows.ts';

export interface AccumulateRequest {
  /** Output tensor key (from a plan). */
  readonly key: string;
  /** Channels of that tensor to blend; 'all' when a softmax needs every channel (count known after the first window). */
  readonly channels: readonly number[] | 'all';
}

export interface SlidingInput {
  /** The normalised image in C order over `dims`. */
  readonly image: Float32Array;
  readonly dims: Triple;
  /** Window size in the same dim order as `dims`. */
  readonly roi: Triple;
  readonly overlap: number;
  readonly sigmaScale: number;
  readonly batchSize: number;
  readonly padValue: number;
  /** "replicate" repeats the edge voxels instead of padding with padValue. */
  readonly padMode?: 'constant' | 'replicate';
  readonly steps: readonly PlanStep[];
  readonly outputs: readonly AccumulateRequest[];
  readonly manifest: Manifest;
  readonly runner: PartRunner;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
  /** Window placement; default MONAI's (windowLayout with `overlap`). */
  readonly layout?: WindowLayout;
  /** Importance map over the roi (C order); default the MONAI-style gaussian of `sigmaScale`. */
  readonly importance?: Float32Array;
  /** Round each weighted sum and the final quotient to float16, as nnU-Net's accumulators do. */
  readonly float16?: boolean;
  /** Test-time mirroring: the spatial axis sets each window is also run flipped along (see mirror.ts). */
  readonly mirrors?: readonly (readonly number[])[];
}

export interface SlidingOutput {
  /** key → channel → blended raw output over `dims` (C order, padding cropped). */
  readonly blended: Map<string, Map<number, Float32Array>>;
  readonly windows: number;
}

export async function slidingWindow(input: SlidingInput): Promise<SlidingOutput> {
  const { dims, roi } = input;
  const layout = input.layout ?? windowLayout(dims, roi, input.overlap);
  const [P0, P1, P2] = layout.padded;
  const [R0, R1, R2] = roi;
  const roiSize = R0 * R1 * R2;
  const padded = padImage(input.image, dims, layout.padded, layout.padBefore, input.padValue, input.padMode ?? 'constant');
  const weight = input.importance ?? gaussianImportance(roi, input.sigmaScale);
  const round = input.float16 ? f16roundFloat32 : null;

  const accumulators = new Map<string, Map<number, Float32Array>>();
  const wantsAll = new Set<string>();
  for (const { key, channels } of input.outputs) {
    const perChannel = accumulators.get(key) ?? new Map<number, Float32Array>();
    if (channels === 'all') wantsAll.add(key);
    else for (const c of channels) if (!perChannel.has(c)) perChannel.set(c, new Float32Array(P0 * P1 * P2));
    accumulators.set(key, perChannel);
  }
  const weightSum = new Float32Array(P0 * P1 * P2);

  const corners: Triple[] = [];
  for (const a of layout.starts[0]) for (const b of layout.starts[1]) for (const c of layout.starts[2]) corners.push([a, b, c]);

  for (let first = 0; first < corners.length; first += input.batchSize) {
    if (input.signal?.aborted) throw abortError(first, corners.length);
    const batch = corners.slice(first, first + input.batchSize);
    const windowData = new Float32Array(batch.length * roiSize);
    batch.forEach((corner, b) => copyWindow(padded, layout.padded, corner, roi, windowData, b * roiSize));
    const run = (image: TensorData) => runSteps(input.runner, input.steps, image);
    const outputs = await runMirrored(run, { data: windowData, dims: [batch.length, 1, R0, R1, R2] }, [...accumulators.keys()], input.mirrors ?? []);

    batch.forEach((corner, b) => {
      addWeighted(weightSum, layout.padded, corner, roi, weight, null, 0, round);
      for (const [key, perChannel] of accumulators) {
        const tensor = outputs.get(key)!;
        checkOutputDims(tensor, key, batch.length, roi);
        const channelSize = roiSize;
        const channelCount = tensor.dims[1];
        if (wantsAll.has(key) && perChannel.size < channelCount) {
          for (let c = 0; c < channelCount; c++) if (!perChannel.has(c)) perChannel.set(c, new Float32Array(P0 * P1 * P2));
        }
        for (const [c, acc] of perChannel) {
          if (c >= channelCount) {
            throw new UnisegError('MODEL_TENSOR_MISMATCH', `output ${key} has ${channelCount} channels; channel ${c} was requested`, { key, channel: c, channels: channelCount });
          }
          addWeighted(acc, layout.padded, corner, roi, weight, tensor.data, (b * channelCount + c) * channelSize, round);
        }
      }
    });
    input.onProgress?.(Math.min(first + batch.length, corners.length), corners.length);
  }

  const blended = new Map<string, Map<number, Float32Array>>();
  for (const [key, perChannel] of accumulators) {
    const out = new Map<number, Float32Array>();
    for (const [c, acc] of perChannel) {
      if (round) for (let i = 0; i < acc.length; i++) acc[i] = round(Math.fround(acc[i] / weightSum[i]));
      else for (let i = 0; i < acc.length; i++) acc[i] /= weightSum[i];
      out.set(c, crop(acc, layout.padded, dims, layout.padBefore));
    }
    blended.set(key, out);
  }
  return { blended, windows: corners.length };
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

function abortError(done: number, total: number): UnisegError {
  return new UnisegError('ABORTED', `segmentation cancelled after ${done} of ${total} windows`, { done, total });
}

function padImage(image: Float32Array, dims: Triple, padded: Triple, before: Triple, value: number, mode: 'constant' | 'replicate'): Float32Array {
  if (dims[0] === padded[0] && dims[1] === padded[1] && dims[2] === padded[2]) return image;
  const out = new Float32Array(padded[0] * padded[1] * padded[2]).fill(value);
  if (mode === 'replicate') {
    // Every padded voxel takes the nearest image voxel (clamped index along each dim).
    const clamp = (x: number, d: number) => Math.min(dims[d] - 1, Math.max(0, x - before[d]));
    let o = 0;
    for (let a = 0; a < padded[0]; a++) {
      for (let b = 0; b < padded[1]; b++) {
        const row = (clamp(a, 0) * dims[1] + clamp(b, 1)) * dims[2];
        for (let c = 0; c < padded[2]; c++) out[o++] = image[row + clamp(c, 2)];
      }
    }
    return out;
  }
  for (let a = 0; a < dims[0]; a++) {
    for (let b = 0; b < dims[1]; b++) {
      const src = (a * dims[1] + b) * dims[2];
      const dst = ((a + before[0]) * padded[1] + (b + before[1])) * padded[2] + before[2];
      out.set(image.subarray(src, src + dims[2]), dst);
    }
  }
  return out;
}

function crop(data: Float32Array, padded: Triple, dims: Triple, before: Triple): Float32Array {
  if (dims[0] === padded[0] && dims[1] === padded[1] && dims[2] === padded[2]) return data;
  const out = new Float32Array(dims[0] * dims[1] * dims[2]);
  for (let a = 0; a < dims[0]; a++) {
    for (let b = 0; b < dims[1]; b++) {
      const src = ((a + before[0]) * padded[1] + (b + before[1])) * padded[2] + before[2];
      out.set(data.subarray(src, src + dims[2]), (a * dims[1] + b) * dims[2]);
    }
  }
  return out;
}

function copyWindow(image: Float32Array, size: Triple, corner: Triple, roi: Triple, out: Float32Array, offset: number): void {
  let o = offset;
  for (let a = 0; a < roi[0]; a++) {
    for (let b = 0; b < roi[1]; b++) {
      const src = ((corner[0] + a) * size[1] + (corner[1] + b)) * size[2] + corner[2];
      out.set(image.subarray(src, src + roi[2]), o);
      o += roi[2];
    }
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
