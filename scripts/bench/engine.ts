/**
 * `npm run bench -- engine`: the engine against the Python reference on the same network, run
 * side by side. Packages come from `python3 -m uniseg_tools bench-packages` (built once into
 * .tmp/bench/engine): MONAI's SwinUNETR (fixture weights) as a plain package with its torch
 * weights, and an 8-task gCIS pathway package. Each measurement runs in a fresh child process.
 *
 * Prints: uniseg end to end vs `python3 -m uniseg_tools reference` (PyTorch) on a 3 mm abdomen phantom;
 * the share of uniseg's time outside ONNX Runtime's run(); 1 vs 8 prompts on the pathway package;
 * peak RSS segmenting a 512x512x400 CT with the model at 3 mm.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { readVolume, writeVolume } from '../../src/volume/nifti/index.ts';
import { generatePhantom } from '../../src/volume/phantom/index.ts';
import { hugePageEnv } from '../../bin/huge-pages.mjs';
import { MB, peakRss, ROOT, runBenchChild } from './child.ts';

const DIR = join(ROOT, '.tmp', 'bench', 'engine');
const PYTHON = '/usr/bin/python3';
const CT = join(DIR, 'abdomen-3mm.nii.gz');
const BIG_CT = join(ROOT, '.tmp', 'bench', 'phantom-512x512x400-lps-seed2024.nii.gz');
const THREADS = 2;

interface ChildResult {
  /** Read + segment, with ONNX sessions already created (as in a server, or a CLI after load). */
  readonly seconds: number;
  /** Package load and session creation, once per process. */
  readonly loadSeconds: number;
  readonly readSeconds: number;
  readonly segmentSeconds: number;
  readonly ortSeconds: number;
  readonly windows: number;
  readonly peakRss: number;
}

const HELP = `usage: npm run bench -- engine [--skip-big] [--repeat N]

  --skip-big     skip the 512x512x400 peak-RSS run (about a minute per window row)
  --repeat N     timed uniseg/PyTorch runs each (best of N, default 2)
  --child PACKAGE CT PROMPT[,PROMPT...]   internal: one measured segmentation, JSON on stdout`;

export async function run(args: string[]): Promise<void> {
  if (args.includes('--help')) return void process.stdout.write(`${HELP}\n`);
  if (args[0] === '--child') return child(args[1], args[2], args[3].split(','));
  const repeat = Number(args[args.indexOf('--repeat') + 1]) || 2;

  await prepare();
  const swin = join(DIR, 'swin');
  const pathways = join(DIR, 'pathways8');
  const best = (runs: ChildResult[]) => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const times = <T>(n: number, f: () => T) => Array.from({ length: n }, f);

  process.stdout.write(`engine bench: ${THREADS} threads, CT ${CT} (3 mm abdomen phantom), SwinUNETR feature 12 (MONAI fixture weights), roi 64^3, overlap 0.5\n\n`);
  const ours = best(times(repeat, () => runBenchChild<ChildResult>('engine', ['--child', swin, CT, 'class 1'])));
  const reference = best(times(repeat, () => pythonReference(swin, CT, 'class 1')));
  const one = best(times(repeat, () => runBenchChild<ChildResult>('engine', ['--child', pathways, CT, 'task 1'])));
  const eight = best(times(repeat, () => runBenchChild<ChildResult>('engine', ['--child', pathways, CT, Array.from({ length: 8 }, (_, i) => `task ${i + 1}`).join(',')])));
  const big = args.includes('--skip-big') || !existsSync(BIG_CT) ? undefined : runBenchChild<ChildResult>('engine', ['--child', swin, BIG_CT, 'class 1']);

  const row = (name: string, value: string, goal: string, ok?: boolean) =>
    `  ${name.padEnd(52)}${value.padStart(14)}   ${goal}${ok === undefined ? '' : ok ? '  ok' : '  MISSED'}\n`;
  const s = (x: number) => `${x.toFixed(2)} s`;
  let out = '';
  out += row('uniseg end to end (read + segment)', s(ours.seconds), `${ours.windows} windows`);
  out += row('  of which read / segment / inside ORT run()', `${ours.readSeconds.toFixed(2)}/${ours.segmentSeconds.toFixed(2)}/${ours.ortSeconds.toFixed(2)}`, '');
  out += row('  package load + ONNX session creation (once)', s(ours.loadSeconds), '');
  out += row('PyTorch reference end to end (same network)', s(reference.seconds), '');
  const ratio = ours.seconds / reference.seconds;
  out += row('uniseg / PyTorch', `${ratio.toFixed(2)}x`, 'goal <= 0.40x', ratio <= 0.4);
  const outside = (ours.seconds - ours.ortSeconds) / ours.seconds;
  out += row('share of uniseg time outside ORT run()', `${(100 * outside).toFixed(1)} %`, 'goal <= 10 %', outside <= 0.1);
  out += row('pathways8: 1 prompt', s(one.seconds), `${one.windows} windows`);
  out += row('pathways8: 8 prompts (8 pathways)', s(eight.seconds), '');
  out += row('8 prompts / 1 prompt', `${(eight.seconds / one.seconds).toFixed(2)}x`, 'goal <= 2x', eight.seconds / one.seconds <= 2);
  if (big) {
    out += row('512x512x400 CT at 3 mm: end to end', s(big.seconds), `${big.windows} windows`);
    out += row('512x512x400 CT at 3 mm: peak RSS', `${(big.peakRss / MB).toFixed(0)} MiB`, 'goal <= 1536 MiB', big.peakRss <= 1536 * MB);
  } else {
    out += row('512x512x400 CT: skipped', '', existsSync(BIG_CT) ? '(--skip-big)' : '(run `npm run bench -- io` once to build it)');
  }
  process.stdout.write(out);
}

async function prepare(): Promise<void> {
  await mkdir(DIR, { recursive: true });
  if (!existsSync(join(DIR, 'swin', 'model.json')) || !existsSync(join(DIR, 'pathways8', 'model.json'))) {
    process.stdout.write('building bench packages with python3 -m uniseg_tools bench-packages (about a minute) ...\n');
    const built = spawnSync(PYTHON, ['-m', 'uniseg_tools', 'bench-packages', '--out', DIR], { stdio: 'inherit', cwd: ROOT });
    if (built.status !== 0) throw new Error('uniseg_tools bench-packages failed (it needs /usr/bin/python3 with torch and onnx)');
  }
  if (!existsSync(CT)) {
    const { ct } = generatePhantom({ seed: 77, shape: [128, 128, 96], spacing: [3, 3, 3], orientation: 'RAS' });
    await writeVolume(CT, ct);
  }
}

async function child(pkg: string, ctPath: string, prompts: string[]): Promise<void> {
  const loading = performance.now();
  const model = await loadModel(pkg, { threads: THREADS });
  for (const part of Object.keys(model.manifest.parts)) await model.parts.session(part);
  const started = performance.now();
  const ct = await readVolume(ctPath);
  const read = performance.now();
  const result = await segmentWithModel(model, ct, prompts);
  const done = performance.now();
  await model.close();
  const report: ChildResult = {
    seconds: (done - started) / 1000,
    loadSeconds: (started - loading) / 1000,
    readSeconds: (read - started) / 1000,
    segmentSeconds: (done - read) / 1000,
    ortSeconds: result.timings.ortMs / 1000,
    windows: result.windows,
    peakRss: peakRss(),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function pythonReference(pkg: string, ct: string, prompt: string): ChildResult {
  const result = spawnSync(PYTHON, ['-m', 'uniseg_tools', 'reference', '--package', pkg, '--ct', ct, '--prompt', prompt, '--threads', String(THREADS), '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * MB,
    env: hugePageEnv(),
  });
  if (result.status !== 0) throw new Error(`uniseg_tools reference failed: ${result.stderr}`);
  const report = JSON.parse(result.stdout.trim().split('\n').pop()!) as { windows: number; medianMs: { preprocess: number; total: number } };
  const total = report.medianMs.total / 1000;
  return { seconds: total, loadSeconds: 0, readSeconds: report.medianMs.preprocess / 1000, segmentSeconds: total, ortSeconds: 0, windows: report.windows, peakRss: 0 };
}
