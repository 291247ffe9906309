/**
 * Gaussian-weighted sliding-window execution of a dataflow plan over a tensor-ordered image.
 * A window job names the output keys it feeds and the plan steps they need; the steps of one
 * window run once however many keys read them (shared parts once), and only the requested output
 * tensors/channels are blended (blend.ts). slidingWindow() runs every window for every key: the
 * exact semantics of MONAI's sliding_window_inference, or of nnU-Net's predictor when given its
 * window layout, importance map, float16 accumulation and mirroring. The fast path (locate.ts)
 * runs the same window grid and jobs, so each of those options holds there too.
 */
import { UnisegError } from '../errors.ts';
import type { Manifest } from './manifest.ts';
import type { PartRunner, TensorData } from './parts.ts';
import { runSteps, type PlanStep } from './plan.ts';
import { Blender, type AccumulateRequest } from './blend.ts';
import { runMirrored } from './mirror.ts';
import { gaussianImportance, windowLayout, type Triple, type WindowLayout } from './windows.ts';

export type { AccumulateRequest } from './blend.ts';

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

/** One window to run: where it starts (padded coordinates), which keys it feeds, which steps they need. */
export interface WindowJob {
  readonly index: number;
  readonly corner: Triple;
  readonly keys: readonly string[];
  readonly steps: readonly PlanStep[];
}

/** The padded image and geometry shared by every pass over one volume. */
export interface WindowGrid {
  readonly layout: WindowLayout;
  readonly dims: Triple;
  readonly roi: Triple;
  readonly padded: Float32Array;
  readonly weight: Float32Array;
  /** Every window start in the order the plain sliding window visits them. */
  readonly corners: readonly Triple[];
}

export type GridInput = Pick<SlidingInput, 'image' | 'dims' | 'roi' | 'overlap' | 'sigmaScale' | 'padValue' | 'padMode' | 'layout' | 'importance'>;

export function windowGrid(input: GridInput): WindowGrid {
  const layout = input.layout ?? windowLayout(input.dims, input.roi, input.overlap);
  const corners: Triple[] = [];
  for (const a of layout.starts[0]) for (const b of layout.starts[1]) for (const c of layout.starts[2]) corners.push([a, b, c]);
  return {
    layout,
    dims: input.dims,
    roi: input.roi,
    padded: padImage(input.image, input.dims, layout.padded, layout.padBefore, input.padValue, input.padMode ?? 'constant'),
    weight: input.importance ?? gaussianImportance(input.roi, input.sigmaScale),
    corners,
  };
}

export interface RunContext {
  readonly batchSize: number;
  readonly runner: PartRunner;
  readonly signal?: AbortSignal;
  /** Mirror axis subsets each window also runs with (mirror.ts); outputs are averaged before blending. */
  readonly mirrors?: readonly (readonly number[])[];
  /** Called after each batch with the windows done so far in this pass. */
  readonly onBatch?: (done: number) => void;
}

/** Runs `jobs` in order, batching neighbours that run the same steps, and blends their outputs. */
export async function runWindows(grid: WindowGrid, jobs: readonly WindowJob[], blender: Blender, context: RunContext): Promise<void> {
  const [R0, R1, R2] = grid.roi;
  const roiSize = R0 * R1 * R2;
  let done = 0;
  while (done < jobs.length) {
    if (context.signal?.aborted) throw abortError(done, jobs.length);
    const batch = [jobs[done]];
    while (batch.length < context.batchSize && done + batch.length < jobs.length && sameWork(jobs[done + batch.length], batch[0])) batch.push(jobs[done + batch.length]);
    const windowData = new Float32Array(batch.length * roiSize);
    batch.forEach((job, b) => copyWindow(grid.padded, grid.layout.padded, job.corner, grid.roi, windowData, b * roiSize));
    const run = (image: TensorData) => runSteps(context.runner, batch[0].steps, image);
    const outputs = await runMirrored(run, { data: windowData, dims: [batch.length, 1, R0, R1, R2] }, batch[0].keys, context.mirrors ?? []);
    batch.forEach((job, b) => blender.add(job.corner, outputs, b, batch.length, job.keys));
    done += batch.length;
    context.onBatch?.(done);
  }
}

export async function slidingWindow(input: SlidingInput): Promise<SlidingOutput> {
  const grid = windowGrid(input);
  const blender = new Blender(grid.layout.padded, grid.roi, grid.weight, input.outputs, true, input.float16 ?? false);
  const keys = blender.keys();
  const jobs = grid.corners.map((corner, index) => ({ index, corner, keys, steps: input.steps }));
  await runWindows(grid, jobs, blender, {
    batchSize: input.batchSize,
    runner: input.runner,
    signal: input.signal,
    mirrors: input.mirrors,
    onBatch: (done) => input.onProgress?.(done, jobs.length),
  });
  return { blended: cropAll(blender.finish(), grid), windows: jobs.length };
}

/** Every blended channel with the padding cropped away. */
export function cropAll(blended: Map<string, Map<number, Float32Array>>, grid: WindowGrid): Map<string, Map<number, Float32Array>> {
  const out = new Map<string, Map<number, Float32Array>>();
  for (const [key, perChannel] of blended) {
    out.set(key, new Map([...perChannel].map(([c, acc]) => [c, crop(acc, grid.layout.padded, grid.dims, grid.layout.padBefore)])));
  }
  return out;
}

function sameWork(a: WindowJob, b: WindowJob): boolean {
  return a.steps === b.steps && a.keys.length === b.keys.length && a.keys.every((k, i) => k === b.keys[i]);
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
