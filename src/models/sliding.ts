/**
 * Gaussian-weighted sliding-window execution of a dataflow plan over a tensor-ordered image.
 * A window job names the output keys it feeds and the plan steps they need; the steps of one
 * window run once however many keys read them (shared parts once), and only the requested output
 * tensors/channels are blended (blend.ts). slidingWindow() runs every window for every key: the
 * exact semantics of MONAI's sliding_window_inference.
 */
import { UnisegError } from '../errors.ts';
import type { Manifest } from './manifest.ts';
import type { PartRunner, TensorData } from './parts.ts';
import { INPUT_KEY, type PlanStep } from './plan.ts';
import { Blender, type AccumulateRequest } from './blend.ts';
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
  readonly steps: readonly PlanStep[];
  readonly outputs: readonly AccumulateRequest[];
  readonly manifest: Manifest;
  readonly runner: PartRunner;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
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

export function windowGrid(input: Pick<SlidingInput, 'image' | 'dims' | 'roi' | 'overlap' | 'sigmaScale' | 'padValue'>): WindowGrid {
  const layout = windowLayout(input.dims, input.roi, input.overlap);
  const corners: Triple[] = [];
  for (const a of layout.starts[0]) for (const b of layout.starts[1]) for (const c of layout.starts[2]) corners.push([a, b, c]);
  return {
    layout,
    dims: input.dims,
    roi: input.roi,
    padded: padImage(input.image, input.dims, layout.padded, layout.padBefore, input.padValue),
    weight: gaussianImportance(input.roi, input.sigmaScale),
    corners,
  };
}

export interface RunContext {
  readonly batchSize: number;
  readonly runner: PartRunner;
  readonly signal?: AbortSignal;
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
    const outputs = await runSteps(batch[0].steps, context.runner, { data: windowData, dims: [batch.length, 1, R0, R1, R2] });
    batch.forEach((job, b) => blender.add(job.corner, outputs, b, batch.length, job.keys));
    done += batch.length;
    context.onBatch?.(done);
  }
}

export async function slidingWindow(input: SlidingInput): Promise<SlidingOutput> {
  const grid = windowGrid(input);
  const blender = new Blender(grid.layout.padded, grid.roi, grid.weight, input.outputs, true);
  const keys = blender.keys();
  const jobs = grid.corners.map((corner, index) => ({ index, corner, keys, steps: input.steps }));
  await runWindows(grid, jobs, blender, {
    batchSize: input.batchSize,
    runner: input.runner,
    signal: input.signal,
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

/** Runs the plan steps on one batch of windows; returns every tensor by key. */
async function runSteps(steps: readonly PlanStep[], runner: PartRunner, image: TensorData): Promise<Map<string, TensorData>> {
  const env = new Map<string, TensorData>([[INPUT_KEY, image]]);
  for (const step of steps) {
    const feeds = step.inputKeys.map((k) => env.get(k)!);
    const outs = await runner.run(step.part, feeds);
    step.outputKeys.forEach((k, i) => env.set(k, outs[i]));
  }
  return env;
}

function abortError(done: number, total: number): UnisegError {
  return new UnisegError('ABORTED', `segmentation cancelled after ${done} of ${total} windows`, { done, total });
}

function padImage(image: Float32Array, dims: Triple, padded: Triple, before: Triple, value: number): Float32Array {
  if (dims[0] === padded[0] && dims[1] === padded[1] && dims[2] === padded[2]) return image;
  const out = new Float32Array(padded[0] * padded[1] * padded[2]).fill(value);
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
