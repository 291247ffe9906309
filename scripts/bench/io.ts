/**
 * `npm run bench -- io`: how fast and how lean the NIfTI path is on a realistic large CT.
 *
 * Generates (once, cached under .tmp/bench/) a 512x512x400 int16 .nii.gz phantom in LPS, then, in
 * a fresh child process so its peak RSS belongs to this work alone, reads it, reorients to RAS
 * and resamples to 1.5 mm and 3 mm, recording seconds and peak RSS after each step. nibabel in
 * /usr/bin/python3 reads the same file as the reference when it is installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { readVolume, writeVolume } from '../../src/volume/nifti/index.ts';
import { generatePhantom } from '../../src/volume/phantom/index.ts';
import { reorient } from '../../src/volume/reorient.ts';
import { resampleToSpacing } from '../../src/volume/resample.ts';
import type { Volume } from '../../src/volume/types.ts';
import { MB, peakRss, ROOT, runBenchChild } from './child.ts';

const SHAPE = [512, 512, 400] as const;
const SPACING = [0.8, 0.8, 1.0] as const;
const ORIENTATION = 'LPS';
const SEED = 2024;
const CACHE = join(ROOT, '.tmp', 'bench', `phantom-${SHAPE.join('x')}-${ORIENTATION.toLowerCase()}-seed${SEED}.nii.gz`);
const DECODED_BYTES = SHAPE[0] * SHAPE[1] * SHAPE[2] * 2;
const READ_REPEATS = 3;
const PYTHON = '/usr/bin/python3';

interface Step {
  readonly name: string;
  readonly seconds: number;
  /** Peak RSS of the child so far, bytes. */
  readonly peakRss: number;
}

interface ChildReport {
  readonly baselineRss: number;
  readonly steps: Step[];
  readonly readSeconds: number[];
}

const HELP = `usage: npm run bench -- io [--regenerate]

  --regenerate     rebuild the cached phantom (${relative(ROOT, CACHE)})
  --child FILE     internal: run the measured steps on FILE and print JSON
  --generate FILE  internal: write the phantom to FILE and print timings as JSON`;

export async function run(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const child = args.indexOf('--child');
  if (child >= 0) {
    await childSteps(args[child + 1]);
    return;
  }
  const generate = args.indexOf('--generate');
  if (generate >= 0) {
    await generateSteps(args[generate + 1]);
    return;
  }
  const generated = await ensurePhantom(args.includes('--regenerate'));
  const measured = runChild<ChildReport>('--child', CACHE);
  const nib = nibabelRead(CACHE);
  printTable(generated, measured, nib);
}

/** Seconds to generate and to write, or undefined when the cached file was used. */
async function ensurePhantom(regenerate: boolean): Promise<Generated | undefined> {
  if (existsSync(CACHE) && !regenerate) return undefined;
  await mkdir(dirname(CACHE), { recursive: true });
  process.stderr.write(`generating ${relative(ROOT, CACHE)} ...\n`);
  // In a child too: this process stays small, so nothing it allocated can leak into a later child's peak RSS.
  return runChild<Generated>('--generate', CACHE);
}

interface Generated {
  readonly generate: number;
  readonly write: number;
}

async function generateSteps(file: string): Promise<void> {
  let t = performance.now();
  const phantom = generatePhantom({ seed: SEED, shape: SHAPE, spacing: SPACING, orientation: ORIENTATION });
  const generate = (performance.now() - t) / 1000;
  t = performance.now();
  await writeVolume(file, phantom.ct, { datatype: 'int16' });
  process.stdout.write(`${JSON.stringify({ generate, write: (performance.now() - t) / 1000 } satisfies Generated)}\n`);
}

/** Runs inside the fresh child: every step keeps only what the next step needs. */
async function childSteps(file: string): Promise<void> {
  const baselineRss = peakRss();
  const steps: Step[] = [];
  const time = async <T>(name: string, fn: () => T | Promise<T>): Promise<T> => {
    const t = performance.now();
    const value = await fn();
    steps.push({ name, seconds: (performance.now() - t) / 1000, peakRss: peakRss() });
    return value;
  };
  let original: Volume | undefined = await time('read .nii.gz', () => readVolume(file));
  const readSeconds = [steps[0].seconds];
  const input = original;
  const ras = await time(`reorient ${input.orientation.join('')} → RAS`, () => reorient(input, 'RAS'));
  // Drop the LPS original so the resampling steps run with one full-size volume alive.
  original = undefined;
  await time('resample → 1.5 mm (linear)', () => resampleToSpacing(ras, [1.5, 1.5, 1.5], { mode: 'linear' }));
  await time('resample → 3 mm (linear)', () => resampleToSpacing(ras, [3, 3, 3], { mode: 'linear' }));
  // Extra reads for a best-of timing, after the RSS-relevant steps.
  for (let n = 1; n < READ_REPEATS; n++) {
    const t = performance.now();
    await readVolume(file);
    readSeconds.push((performance.now() - t) / 1000);
  }
  process.stdout.write(`${JSON.stringify({ baselineRss, steps, readSeconds } satisfies ChildReport)}\n`);
}

function runChild<T>(mode: '--child' | '--generate', file: string): T {
  return runBenchChild<T>('io', [mode, file]);
}

const NIBABEL_SCRIPT = `
import json, resource, sys, time
import numpy as np, nibabel as nib
times = []
for _ in range(${READ_REPEATS}):
    t = time.perf_counter()
    img = nib.load(sys.argv[1])
    data = np.asanyarray(img.dataobj)
    times.append(time.perf_counter() - t)
    del img, data
try:
    peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) * 1024
except Exception:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": times, "maxrss": peak, "nibabel": nib.__version__}))
`;

type NibabelResult = { seconds: number[]; maxrss: number; nibabel: string } | { unavailable: string };

function nibabelRead(file: string): NibabelResult {
  if (!existsSync(PYTHON)) return { unavailable: `${PYTHON} not found` };
  const result = spawnSync(PYTHON, ['-c', NIBABEL_SCRIPT, file], { encoding: 'utf8', maxBuffer: 16 * MB });
  if (result.status !== 0) return { unavailable: (result.stderr || String(result.error)).trim().split('\n').pop() ?? 'failed' };
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}');
}

function printTable(generated: Generated | undefined, child: ChildReport, nib: NibabelResult): void {
  const mb = (bytes: number) => (bytes / MB).toFixed(0);
  const rows: [string, string, string][] = [['step', 'seconds', 'peak RSS MiB']];
  if (generated) {
    rows.push(['generate phantom (this run)', generated.generate.toFixed(2), '']);
    rows.push(['write .nii.gz (gzip)', generated.write.toFixed(2), '']);
  }
  rows.push(['child start (node + tsx)', '', mb(child.baselineRss)]);
  for (const s of child.steps) rows.push([s.name, s.seconds.toFixed(2), mb(s.peakRss)]);
  const bestRead = Math.min(...child.readSeconds);
  rows.push([`read, best of ${child.readSeconds.length}`, bestRead.toFixed(2), '']);
  let ratio: string | undefined;
  if ('unavailable' in nib) {
    rows.push(['nibabel load + dataobj', 'n/a', '']);
  } else {
    const best = Math.min(...nib.seconds);
    rows.push([`nibabel ${nib.nibabel} load + dataobj, best of ${nib.seconds.length}`, best.toFixed(2), mb(nib.maxrss)]);
    ratio = `read time uniseg / nibabel: ${(bestRead / best).toFixed(2)} (${bestRead < best ? 'uniseg faster' : 'nibabel faster'})`;
  }
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: [string, string, string]) => `  ${r[0].padEnd(widths[0])}  ${r[1].padStart(widths[1])}  ${r[2].padStart(widths[2])}`;

  const readPeak = child.steps[0].peakRss;
  const overallPeak = Math.max(...child.steps.map((s) => s.peakRss));
  const limit = 2 * DECODED_BYTES;
  const out = [
    `io bench: ${SHAPE.join('x')} int16 ${ORIENTATION} phantom, ${SPACING.join('x')} mm, seed ${SEED}`,
    `  file ${relative(ROOT, CACHE)}: ${mb(statSync(CACHE).size)} MiB on disk, ${mb(DECODED_BYTES)} MiB decoded`,
    '',
    ...rows.map(line),
    '',
    ratio ? `  ${ratio}` : `  nibabel not available: ${'unavailable' in nib ? nib.unavailable : ''}`,
    `  peak RSS after read: ${mb(readPeak)} MiB vs 2x decoded ${mb(limit)} MiB: ${readPeak < limit ? 'below (ok)' : 'ABOVE'}`,
    `  peak RSS over all steps: ${mb(overallPeak)} MiB (reorient holds input and output: ${mb(2 * DECODED_BYTES)} MiB of voxels)`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}
