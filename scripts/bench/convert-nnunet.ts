/**
 * The nnU-Net section of `npm run bench -- convert`: segment time of the converted fixture package
 * (../shared/fixtures/nnunet-v2, two folds, 8 windows on input_ct.nii.gz) without and with
 * test-time mirroring (8 passes per window), in this process: total, inside ORT, and the
 * float16 blending / resampling overhead around it. The reference nnU-Net run took 5.5 s (no TTA)
 * and 40.1 s (TTA) on 2 CPU threads (the fixture's config.json).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { MB, ROOT } from './child.ts';

const FIXTURE = join(ROOT, '..', 'shared', 'fixtures', 'nnunet-v2');
const TRAINER = join(FIXTURE, 'Dataset990_UnisegParityCT', 'nnUNetTrainer__nnUNetPlans__3d_fullres');

export async function nnunetSegmentTimes(runs: number, threads: number): Promise<void> {
  if (!existsSync(TRAINER)) return void process.stdout.write('nnunet segment: skipped (no fixture)\n');
  const work = mkdtempSync(join(tmpdir(), 'uniseg-bench-nnunet-'));
  try {
    const pkg = join(work, 'pkg');
    const proc = spawnSync(process.execPath, [join(ROOT, 'bin', 'uniseg.mjs'), 'convert', 'nnunet', TRAINER, '-o', pkg], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * MB });
    if (proc.status !== 0) throw new Error(`convert nnunet failed (status ${proc.status}): ${proc.stderr}`);
    const ct = await readVolume(join(FIXTURE, 'input_ct.nii.gz'));
    const model = await loadModel(pkg, { threads });
    process.stdout.write(`\nnnunet segment on input_ct.nii.gz (56x48x36, 2 folds, ${threads} ORT threads, ${runs} run(s), median)\nmode      seconds   ORT s   other s   ORT runs\n`);
    try {
      for (const tta of [false, true]) {
        const rows: { total: number; ort: number; runs: number }[] = [];
        for (let r = 0; r < runs; r++) {
          model.parts.resetStats();
          const result = await segmentWithModel(model, ct, ['all of UnisegParityCT'], { tta });
          const partRuns = Object.values(model.parts.stats.runs).reduce((a, b) => a + b, 0);
          rows.push({ total: result.timings.totalMs / 1000, ort: result.timings.ortMs / 1000, runs: partRuns });
        }
        rows.sort((a, b) => a.total - b.total);
        const m = rows[Math.floor(rows.length / 2)];
        process.stdout.write(`${(tta ? '--tta' : '--no-tta').padEnd(10)}${m.total.toFixed(1).padEnd(10)}${m.ort.toFixed(1).padEnd(8)}${(m.total - m.ort).toFixed(1).padEnd(10)}${m.runs}\n`);
      }
    } finally {
      await model.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
