/**
 * `npm run bench -- convert`: wall time of `uniseg convert <kind>` on each shared fixture whose
 * converter exists in this checkout (uniseg_tools/convert/<kind>.py), each run in a fresh process
 * (Python start, checkpoint read, export, ORT parity, engine check, atomic write), and the size of
 * the package written. Fixtures live in ../shared/fixtures/<name>.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MB, ROOT } from './child.ts';
import { nnunetSegmentTimes } from './convert-nnunet.ts';

const HELP = `usage: npm run bench -- convert [--only KIND] [--runs N] [--threads N]`;
const SHARED = join(ROOT, '..', 'shared', 'fixtures');

interface Job {
  readonly kind: string;
  /** Fixture folder under ../shared/fixtures. */
  readonly fixture: string;
  /** Arguments after `uniseg convert <kind>`, given the fixture folder and the output directory. */
  readonly args: (fixture: string, out: string) => string[];
}

/** One row per fixture; each converter adds its own. */
const JOBS: Job[] = [
  { kind: 'monai', fixture: 'monai-swinunetr', args: (f, out) => [join(f, 'state_dict.pt'), '-o', out, '--roi', '32,32,32', '--labels', '1=spleen,2=kidney_right,3=liver'] },
  { kind: 'monai-bundle', fixture: 'monai-bundle', args: (f, out) => [join(f, 'wholeBody_ct_segmentation'), '-o', out] },
  { kind: 'gcis', fixture: 'gcis', args: (f, out) => [join(f, 'model.pt'), '--prompt-embeddings', join(f, 'prompts.npy'), '--prompt-texts', join(f, 'prompts.json'), '--roi', '64,64,64', '-o', out] },
  { kind: 'gcis', fixture: 'gcis', args: (f, out) => [join(f, 'trimmed_0', 'params.pth'), '--task-names', 'liver', '--roi', '64,64,64', '-o', out] },
  { kind: 'clnet', fixture: 'clnet', args: (f, out) => [join(f, 'results'), '--config', join(f, 'train_cfg.json'), '-o', out] },
  { kind: 'nnunet', fixture: 'nnunet-v2', args: (f, out) => [join(f, 'Dataset990_UnisegParityCT', 'nnUNetTrainer__nnUNetPlans__3d_fullres'), '-o', out] },
];

function packageBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
}

export async function run(args: string[]): Promise<void> {
  if (args.includes('--help')) return void process.stdout.write(`${HELP}\n`);
  const at = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const only = at('--only');
  const runs = Number(at('--runs') ?? 1);
  const work = mkdtempSync(join(tmpdir(), 'uniseg-bench-convert-'));
  process.stdout.write(`kind          fixture           seconds (per run)        package MB\n`);
  try {
    for (const job of JOBS) {
      if (only && job.kind !== only) continue;
      const module = join(ROOT, 'uniseg_tools', 'convert', `${job.kind.replace(/-/g, '_')}.py`);
      const fixture = join(SHARED, job.fixture);
      if (!existsSync(module) || !existsSync(fixture)) {
        process.stdout.write(`${job.kind.padEnd(14)}${job.fixture.padEnd(18)}skipped (${existsSync(module) ? 'no fixture' : 'no converter'})\n`);
        continue;
      }
      const seconds: number[] = [];
      let bytes = 0;
      for (let r = 0; r < runs; r++) {
        const out = join(work, `${job.kind}-${r}`);
        const started = performance.now();
        const proc = spawnSync(process.execPath, [join(ROOT, 'bin', 'uniseg.mjs'), 'convert', job.kind, ...job.args(fixture, out)], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * MB });
        if (proc.status !== 0) throw new Error(`convert ${job.kind} failed (status ${proc.status}): ${proc.stderr}`);
        seconds.push((performance.now() - started) / 1000);
        bytes = packageBytes(out);
        rmSync(out, { recursive: true, force: true });
      }
      process.stdout.write(`${job.kind.padEnd(14)}${job.fixture.padEnd(18)}${seconds.map((s) => s.toFixed(1)).join(', ').padEnd(25)}${(bytes / MB).toFixed(1)}\n`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (!only || only === 'nnunet') await nnunetSegmentTimes(runs, Number(at('--threads') ?? 2));
}
