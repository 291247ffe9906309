/**
 * `npm run bench -- speed`: how fast and how lean uniseg is, and what each shortcut costs in
 * accuracy, side by side on this machine. Every uniseg measurement runs in a fresh child process
 * (speed-child.ts); timings are the best of N.
 *
 * 1. Exact mode vs the PyTorch reference (`python3 -m uniseg_tools reference`: MONAI sliding-window
 *    semantics) on the same SwinUNETR (MONAI fixture weights) and the same real CT.
 * 2. Default (fast) mode vs exact on real CTs with the demo package: one organ, then every task
 *    of the package together; Dice(fast, exact) per prompt that exact finds (>= 5 ml).
 * 3. 8 prompts vs 1 prompt in default mode.
 * 4. Peak RSS of `uniseg segment` (the compiled CLI) on a 512x512x400 CT with the model at 3 mm.
 * 5. Start-up: `uniseg --help` wall time and peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hugePageEnv, transparentHugePages } from '../../bin/huge-pages.mjs';
import { distIsCurrent } from '../../bin/source-hash.mjs';
import { MB, ROOT, runBenchChild } from './child.ts';
import { child, dice, THREADS, type ChildReport, type Mode } from './speed-child.ts';

const PYTHON = '/usr/bin/python3';
const OUT = join(ROOT, '.tmp', 'bench', 'speed');
const SWIN = join(ROOT, '.tmp', 'bench', 'engine', 'swin');
const DEMO = join(ROOT, 'models', 'demo');
const SHARED = join(ROOT, '..', 'shared', 'data');
const BIG_CT = join(ROOT, '.tmp', 'bench', 'phantom-512x512x400-lps-seed2024.nii.gz');
const ABDOMEN = join(SHARED, 'ct', 'example_ct.nii.gz');
const HEAD_NECK = ['pt_201', 'pt_202'].map((p) => join(SHARED, 'openkbp', 'validation-pats', p, 'ct.nii.gz'));
/** The organ each real CT is asked for alone: one the demo package answers there (the head-and-neck
 * CTs: the brainstem, a real-trained task; the abdomen: the liver, phantom-trained but found). */
const SINGLE: Record<string, string> = { [ABDOMEN]: 'liver' };
const SINGLE_DEFAULT = 'brainstem';
const ORGAN_ML = 5;

const HELP = `usage: npm run bench -- speed [--repeat N] [--only SECTIONS] [--cases N]

  --repeat N       timed runs per measurement, best taken (default 2)
  --only LIST      sections to run, comma-separated: torch,real,prompts,memory,startup (default all)
  --cases N        real CTs to use: the abdomen, then head-and-neck cases (default 3)
  --child ...      internal: one measured segmentation (speed-child.ts)

Needs the bench packages (\`npm run bench -- engine\` builds them once) for the torch and memory
sections, and /usr/bin/python3 with torch for the PyTorch reference.`;

export async function run(args: string[]): Promise<void> {
  if (args.includes('--help')) return void process.stdout.write(`${HELP}\n`);
  if (args[0] === '--child') return child(args.slice(1));
  const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const repeat = Number(value('--repeat') ?? 2);
  const only = new Set((value('--only') ?? 'torch,real,prompts,memory,startup').split(','));
  const cases = [ABDOMEN, ...HEAD_NECK].slice(0, Number(value('--cases') ?? 3));
  await mkdir(OUT, { recursive: true });
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`speed bench: ${THREADS} ORT/torch threads, best of ${repeat}, node ${process.version}, ${new Date().toISOString()}`);
  out(`  allocator: GLIBC_TUNABLES=${hugePageEnv().GLIBC_TUNABLES ?? '(unset)'}, transparent huge pages: ${transparentHugePages()} (UNISEG_HUGE_PAGES=0 measures without)`);

  if (only.has('torch')) torchSection(repeat, out);
  if (only.has('real')) for (const ct of cases) realSection(ct, repeat, out);
  if (only.has('prompts')) promptsSection(repeat, out);
  if (only.has('memory')) memorySection(out);
  if (only.has('startup')) startupSection(repeat, out);
}

const s = (x: number) => `${x.toFixed(2)} s`;
const row = (name: string, value: string, note = '') => `  ${name.padEnd(50)}${value.padStart(16)}   ${note}`;
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');

function measure(pkg: string, ct: string, prompts: readonly string[], mode: Mode, repeat: number, dir?: string): ChildReport {
  let best: ChildReport | undefined;
  for (let r = 0; r < repeat; r++) {
    const report = runBenchChild<ChildReport>('speed', ['--child', pkg, ct, prompts.join('|'), mode, ...(dir ? [dir] : [])]);
    if (!best || report.seconds < best.seconds) best = report;
  }
  return best!;
}

function torchSection(repeat: number, out: (l: string) => void): void {
  if (!existsSync(join(SWIN, 'model.json'))) return out('exact vs PyTorch: skipped (run `npm run bench -- engine` once to build .tmp/bench/engine/swin)');
  out(`\nexact mode vs PyTorch: SwinUNETR feature 12 (MONAI fixture weights), roi 64^3, overlap 0.5, CT ${ABDOMEN}`);
  const ours = measure(SWIN, ABDOMEN, ['class 1'], 'exact', repeat);
  const ref = spawnSync(PYTHON, ['-m', 'uniseg_tools', 'reference', '--package', SWIN, '--ct', ABDOMEN, '--prompt', 'class 1', '--threads', String(THREADS), '--repeat', String(repeat), '--json'], {
    encoding: 'utf8',
    maxBuffer: 16 * MB,
    cwd: ROOT,
    // The same allocator as uniseg's child: PyTorch's large tensors are glibc mmaps too.
    env: hugePageEnv(),
  });
  if (ref.status !== 0) return out(`  PyTorch reference failed: ${ref.stderr.trim().split('\n').pop()}`);
  const report = JSON.parse(ref.stdout.trim().split('\n').pop()!) as { windows: number; timingsMs: { total: number[] } };
  const torch = Math.min(...report.timingsMs.total) / 1000;
  out(row('uniseg exact (read + segment, sessions ready)', s(ours.seconds), `${ours.windows} windows, ${s(ours.ortSeconds)} inside ORT run()`));
  out(row('PyTorch reference (read + segment)', s(torch), `${report.windows} windows`));
  out(row('uniseg exact / PyTorch', `${(ours.seconds / torch).toFixed(2)}x`, `goal <= 0.40x: ${verdict(ours.seconds / torch <= 0.4)}`));
  out(row('uniseg package load + session creation (once)', s(ours.loadSeconds)));
}

function realSection(ct: string, repeat: number, out: (l: string) => void): void {
  const name = ct.split('/').slice(-2).join('/');
  const dir = join(OUT, name.replace(/[^A-Za-z0-9_.-]+/g, '_'));
  for (const sub of ['one', 'all']) mkdirSync(join(dir, sub), { recursive: true });
  const tasks = (JSON.parse(readFileSync(join(DEMO, 'model.json'), 'utf8')) as { tasks: { prompt: string }[] }).tasks.map((t) => t.prompt);
  const single = SINGLE[ct] ?? SINGLE_DEFAULT;
  out(`\nfast vs exact, demo package, real CT ${name}`);
  const exact1 = measure(DEMO, ct, [single], 'exact', repeat, join(dir, 'one'));
  const fast1 = measure(DEMO, ct, [single], 'fast', repeat, join(dir, 'one'));
  out(row(`one prompt (${single}): exact`, s(exact1.seconds), `${exact1.windows} windows`));
  out(row(`one prompt (${single}): fast`, s(fast1.seconds), `${fast1.windows} windows (${fast1.skippedAir} air)`));
  const d1 = diceOf(dir, 'one', 0);
  out(row('  exact / fast', `${(exact1.seconds / fast1.seconds).toFixed(2)}x`, `goal >= 3x: ${verdict(exact1.seconds / fast1.seconds >= 3)}; Dice ${d1.toFixed(4)}`));
  const exactAll = measure(DEMO, ct, tasks, 'exact', 1, join(dir, 'all'));
  const fastAll = measure(DEMO, ct, tasks, 'fast', 1, join(dir, 'all'));
  out(row(`all ${tasks.length} tasks: exact`, s(exactAll.seconds), `${exactAll.windows} windows`));
  out(row(`all ${tasks.length} tasks: fast`, s(fastAll.seconds), `${fastAll.windows} windows (${fastAll.skippedAir} air)`));
  out(row('  exact / fast', `${(exactAll.seconds / fastAll.seconds).toFixed(2)}x`, `goal >= 2x: ${verdict(exactAll.seconds / fastAll.seconds >= 2)}`));
  const voxelMl = voxelVolumeMl(ct);
  exactAll.prompts.forEach((p, i) => {
    const f = fastAll.prompts[i];
    const ml = p.voxels * voxelMl;
    const d = diceOf(dir, 'all', i);
    const organ = ml >= ORGAN_ML;
    const note = organ ? `Dice ${d.toFixed(4)} ${verdict(d >= 0.99)}` : ml === 0 ? `empty in exact; fast ${f.voxels === 0 ? 'empty too' : `${f.voxels} voxels`}` : `below ${ORGAN_ML} ml, Dice ${d.toFixed(4)}`;
    out(row(`    ${p.prompt}`, `${ml.toFixed(0)} ml`, `${f.windows}/${exactAll.windows} windows, ${f.located === false ? 'not located, ' : ''}${note}`));
  });
}

function diceOf(dir: string, sub: string, i: number): number {
  return dice(readFileSync(join(dir, sub, `exact-${i}.u8`)), readFileSync(join(dir, sub, `fast-${i}.u8`)));
}

/** mm^3 / 1000 of one voxel, from the NIfTI header's pixdim. */
function voxelVolumeMl(ct: string): number {
  const result = spawnSync(PYTHON, ['-c', `import nibabel,sys; z=nibabel.load(sys.argv[1]).header.get_zooms(); print(z[0]*z[1]*z[2]/1000)`, ct], { encoding: 'utf8' });
  return Number(result.stdout.trim());
}

function promptsSection(repeat: number, out: (l: string) => void): void {
  const tasks = (JSON.parse(readFileSync(join(DEMO, 'model.json'), 'utf8')) as { tasks: { prompt: string }[] }).tasks.map((t) => t.prompt);
  out(`\n1 vs 8 prompts, default mode, demo package, ${ABDOMEN}`);
  const one = measure(DEMO, ABDOMEN, tasks.slice(0, 1), 'fast', repeat);
  const eight = measure(DEMO, ABDOMEN, tasks.slice(0, 8), 'fast', repeat);
  out(row(`1 prompt (${tasks[0]})`, s(one.seconds), `${one.windows} windows`));
  out(row(`8 prompts (${tasks.slice(0, 8).join(', ')})`, s(eight.seconds), `${eight.windows} windows`));
  out(row('8 / 1', `${(eight.seconds / one.seconds).toFixed(2)}x`, `goal <= 2.0x: ${verdict(eight.seconds / one.seconds <= 2)}`));
}

/**
 * Peak RSS of the command a user runs: the compiled CLI (`uniseg segment`: read, segment, write the
 * mask), timed by /usr/bin/time. Not a bench child: those run under tsx, whose TypeScript loader
 * alone holds ~170 MiB that the installed CLI never loads (it runs dist/).
 */
function memorySection(out: (l: string) => void): void {
  if (!existsSync(BIG_CT)) runBenchChild('io', ['--generate', BIG_CT]);
  if (!existsSync(join(SWIN, 'model.json'))) return out('peak RSS: skipped (run `npm run bench -- engine` once to build the packages)');
  out(`\npeak RSS, 512x512x400 CT (0.8 x 0.8 x 1 mm) with the SwinUNETR package at 3 mm: \`uniseg segment\` (${distIsCurrent(ROOT) ? 'compiled dist/' : 'dist/ stale: TypeScript through tsx, run `npm run build` first'}), read + segment + write`);
  const run = timedNode([join(ROOT, 'bin', 'uniseg.mjs'), 'segment', BIG_CT, '-m', SWIN, '-p', 'class 1', '-o', join(OUT, 'big-mask.nii.gz'), '--threads', String(THREADS)]);
  if (run.failed) return out(`  uniseg segment failed: ${run.failed}`);
  out(row('default mode: peak RSS', `${(run.rss / MB).toFixed(0)} MiB`, `goal <= 1024 MiB: ${verdict(run.rss <= 1024 * MB)}; ${(run.rss / 1e9).toFixed(2)} GB; ${s(run.wall)} wall`));
}

/** `node ARGS` under /usr/bin/time: wall and CPU seconds, peak RSS in bytes; `failed` holds the last stderr lines when it exited non-zero. */
function timedNode(args: readonly string[]): { wall: number; cpu: number; rss: number; failed?: string } {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 16 * MB });
  const lines = result.stderr.trim().split('\n');
  const [wall, user, sys, kb] = lines[lines.length - 1].split(' ').map(Number);
  return { wall, cpu: user + sys, rss: kb * 1024, ...(result.status !== 0 ? { failed: lines.slice(-3, -1).join(' ') } : {}) };
}

function startupSection(repeat: number, out: (l: string) => void): void {
  out('\nstart-up: node bin/uniseg.mjs --help (CPU = user + sys, which a busy machine does not inflate)');
  const best = (args: string[]) =>
    Array.from({ length: Math.max(3, repeat) }, () => timedNode(args)).reduce((a, b) => (b.wall < a.wall ? { ...b, cpu: Math.min(a.cpu, b.cpu) } : { ...a, cpu: Math.min(a.cpu, b.cpu) }));
  const node = best(['-e', '0']);
  const help = best([join(ROOT, 'bin', 'uniseg.mjs'), '--help']);
  out(row('node -e 0 (the floor): wall / CPU', `${s(node.wall)} / ${s(node.cpu)}`));
  out(row('uniseg --help: wall / CPU', `${s(help.wall)} / ${s(help.cpu)}`, `goal <= 0.30 s: ${verdict(help.wall <= 0.3)} (wall), ${verdict(help.cpu <= 0.3)} (CPU)`));
  out(row('uniseg --help: peak RSS', `${(help.rss / MB).toFixed(0)} MiB`, `goal <= 100 MB: ${verdict(help.rss <= 100e6)}`));
}
