/**
 * Parity of exported ONNX parts against their torch modules, run with the engine's onnxruntime-node
 * (Python has no onnxruntime). `uniseg_tools export` writes a directory with `index.json` and raw
 * little-endian float32 tensors, calls this script and refuses to write the package unless every
 * part is within the tolerance.
 *
 *   npx tsx scripts/check_parts.ts DIR [--tolerance 1e-4] [--threads N]
 *
 * DIR/index.json:
 *   { "tolerance": 1e-4,
 *     "parts": [ { "name": "encoder", "onnx": "/abs/encoder.onnx",
 *                  "inputs":  [ { "name": "image", "file": "encoder.in0.f32", "dims": [1, 1, 64, 64, 64] } ],
 *                  "outputs": [ { "name": "enc0",  "file": "encoder.out0.f32", "dims": [...] }, ... ] } ],
 *     "bench": [ { "label": "encoder fp16", "onnx": "...", "inputs": [...], "runs": 5 } ] }
 *
 * Files are relative to DIR. Prints one row per part (max |ORT − torch|, max |torch|) and per bench
 * entry (session creation and median run time), writes DIR/result.json and exits 1 when a part is
 * off by more than the tolerance (or fails to run): a part passes when max |ORT − torch| <=
 * tolerance over all its outputs, absolute. The "scaled" column (max |diff| / max(1, max |torch|))
 * is printed for information. (onnxruntime's CPU InstanceNormalization is ~2e-4 off float64 on
 * 12 x 64³ maps, so the toolchain exports instance norm as explicit axis-by-axis means instead:
 * uniseg_tools/nets/blocks.py.) Sessions use the engine's options
 * (src/models/parts.ts): graphOptimizationLevel "all", sequential execution.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as ort from 'onnxruntime-node';

interface TensorFile {
  name: string;
  file: string;
  dims: number[];
}
interface PartEntry {
  name: string;
  onnx: string;
  inputs: TensorFile[];
  outputs: TensorFile[];
}
interface BenchEntry {
  label: string;
  onnx: string;
  inputs: TensorFile[];
  runs?: number;
}
interface Index {
  tolerance?: number;
  parts: PartEntry[];
  bench?: BenchEntry[];
}

function parseArgs(argv: string[]) {
  let dir = '';
  let tolerance: number | undefined;
  let threads = 2;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--tolerance') tolerance = Number(argv[++i]);
    else if (a === '--threads') threads = Number(argv[++i]);
    else if (a === '-h' || a === '--help') {
      console.log('usage: npx tsx scripts/check_parts.ts DIR [--tolerance 1e-4] [--threads N]');
      process.exit(0);
    } else if (!dir) dir = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!dir) throw new Error('usage: npx tsx scripts/check_parts.ts DIR [--tolerance 1e-4] [--threads N]');
  return { dir, tolerance, threads };
}

function readF32(dir: string, t: TensorFile): Float32Array {
  const bytes = readFileSync(isAbsolute(t.file) ? t.file : join(dir, t.file));
  const n = t.dims.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== n * 4) throw new Error(`${t.file}: ${bytes.byteLength} bytes, expected ${n * 4} for dims [${t.dims}]`);
  const out = new Float32Array(n);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

async function session(dir: string, onnx: string, threads: number) {
  const started = performance.now();
  const s = await ort.InferenceSession.create(readFileSync(isAbsolute(onnx) ? onnx : join(dir, onnx)), {
    intraOpNumThreads: threads,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
  return { session: s, createMs: performance.now() - started };
}

function feeds(dir: string, inputs: TensorFile[]): Record<string, ort.Tensor> {
  return Object.fromEntries(inputs.map((t) => [t.name, new ort.Tensor('float32', readF32(dir, t), t.dims)]));
}

interface PartResult {
  name: string;
  maxAbsDiff: number;
  maxAbsRef: number;
  /** max over outputs of max |diff| / max(1, max |torch|). */
  scaledDiff: number;
  ok: boolean;
  error?: string;
}

async function checkPart(dir: string, p: PartEntry, tolerance: number, threads: number): Promise<PartResult> {
  try {
    const { session: s } = await session(dir, p.onnx, threads);
    const out = await s.run(feeds(dir, p.inputs));
    let maxAbsDiff = 0;
    let maxAbsRef = 0;
    let scaledDiff = 0;
    for (const t of p.outputs) {
      const got = out[t.name];
      if (!got) throw new Error(`no output "${t.name}"`);
      if (got.dims.join() !== t.dims.join()) throw new Error(`output "${t.name}" has dims [${got.dims}], torch [${t.dims}]`);
      const ref = readF32(dir, t);
      const data = got.data as Float32Array;
      let diff = 0;
      let mag = 0;
      for (let i = 0; i < ref.length; i++) {
        const d = Math.abs(data[i] - ref[i]);
        if (!(d <= diff)) diff = Number.isNaN(d) ? Infinity : d;
        const r = Math.abs(ref[i]);
        if (r > mag) mag = r;
      }
      maxAbsDiff = Math.max(maxAbsDiff, diff);
      maxAbsRef = Math.max(maxAbsRef, mag);
      scaledDiff = Math.max(scaledDiff, diff / Math.max(1, mag));
    }
    await s.release();
    return { name: p.name, maxAbsDiff, maxAbsRef, scaledDiff, ok: maxAbsDiff <= tolerance };
  } catch (e) {
    return { name: p.name, maxAbsDiff: Infinity, maxAbsRef: NaN, scaledDiff: Infinity, ok: false, error: (e as Error).message };
  }
}

async function bench(dir: string, b: BenchEntry, threads: number) {
  const { session: s, createMs } = await session(dir, b.onnx, threads);
  const f = feeds(dir, b.inputs);
  await s.run(f); // warm-up
  const times: number[] = [];
  for (let i = 0; i < (b.runs ?? 5); i++) {
    const t0 = performance.now();
    await s.run(f);
    times.push(performance.now() - t0);
  }
  await s.release();
  times.sort((a, c) => a - c);
  return { label: b.label, createMs, medianMs: times[Math.floor(times.length / 2)], minMs: times[0], runs: times.length };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const index = JSON.parse(readFileSync(join(args.dir, 'index.json'), 'utf8')) as Index;
  const tolerance = args.tolerance ?? index.tolerance ?? 1e-4;
  const results: PartResult[] = [];
  const width = Math.max(4, ...index.parts.map((p) => p.name.length));
  console.log(`${'part'.padEnd(width)}  max|ORT-torch|  max|torch|  scaled  ok (max|ORT-torch| <= ${tolerance})`);
  for (const p of index.parts) {
    const r = await checkPart(args.dir, p, tolerance, args.threads);
    results.push(r);
    console.log(`${r.name.padEnd(width)}  ${r.maxAbsDiff.toExponential(2).padStart(13)}  ${r.maxAbsRef.toExponential(2).padStart(10)}  ${r.scaledDiff.toExponential(1).padStart(6)}  ${r.ok ? 'ok' : `FAIL${r.error ? `: ${r.error}` : ''}`}`);
  }
  const benches = [];
  for (const b of index.bench ?? []) {
    const r = await bench(args.dir, b, args.threads);
    benches.push(r);
    console.log(`bench ${r.label}: session ${r.createMs.toFixed(0)} ms, run median ${r.medianMs.toFixed(1)} ms (min ${r.minMs.toFixed(1)}, ${r.runs} runs, ${args.threads} threads)`);
  }
  const ok = results.every((r) => r.ok);
  writeFileSync(join(args.dir, 'result.json'), JSON.stringify({ tolerance, ok, parts: results, bench: benches }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 1));
  if (!ok) {
    console.error(`parity FAILED for ${results.filter((r) => !r.ok).map((r) => r.name).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 2;
});
