/**
 * `npm run bench -- dicom`: reading a 512x512x400 JPEG 2000 lossless series vs the same voxels as
 * .nii.gz. The data (cached under .tmp/bench/) come from test/fixtures/dicom/make_series.py
 * --set bench: the shared CT upsampled by nearest neighbour, written by pydicom and compressed
 * by gdcmconv --j2k. Each read runs in a fresh child process so its peak RSS is its own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { readVolume } from '../../src/volume/read.ts';
import { MB, peakRss, ROOT, runBenchChild } from './child.ts';

const SHAPE = [512, 512, 400] as const;
const CACHE = join(ROOT, '.tmp', 'bench', `dicom-${SHAPE.join('x')}`);
const MAKE_SERIES = join(ROOT, 'test', 'fixtures', 'dicom', 'make_series.py');
const REPEATS = 3;

const HELP = `usage: npm run bench -- dicom [--regenerate]

  --regenerate   rebuild the cached series and .nii.gz (${relative(ROOT, CACHE)}; several minutes)
  --child PATH   internal: read PATH ${REPEATS} times and print JSON`;

interface ChildReport {
  readonly seconds: number[];
  readonly baselineRss: number;
  readonly peakRss: number;
  readonly shape: number[];
  readonly datatype: string;
  /** Sum of all voxel values: equal for both inputs when they hold the same voxels (in any axis order). */
  readonly sum: number;
}

export async function run(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const child = args.indexOf('--child');
  if (child >= 0) {
    await childRead(args[child + 1]);
    return;
  }
  await ensureData(args.includes('--regenerate'));
  const series = join(CACHE, 'j2k');
  const nifti = join(CACHE, 'big.nii.gz');
  const rows = [
    { name: '.nii.gz (gzip)', path: nifti, bytes: statSync(nifti).size, report: runBenchChild<ChildReport>('dicom', ['--child', nifti]) },
    { name: `DICOM JPEG 2000 lossless, ${readdirSync(series).length} files`, path: series, bytes: folderBytes(series), report: runBenchChild<ChildReport>('dicom', ['--child', series]) },
  ];
  const mb = (n: number) => (n / MB).toFixed(0);
  const table: string[][] = [['input', 'on disk MiB', `read s (best of ${REPEATS})`, 'peak RSS MiB', 'datatype']];
  for (const r of rows) table.push([r.name, mb(r.bytes), Math.min(...r.report.seconds).toFixed(2), mb(r.report.peakRss), r.report.datatype]);
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const [niftiRead, dicomRead] = rows.map((r) => Math.min(...r.report.seconds));
  const same = rows[0].report.sum === rows[1].report.sum && rows[0].report.shape.join() === rows[1].report.shape.join();
  const out = [
    `dicom bench: ${SHAPE.join('x')} CT (the shared example CT upsampled), ${relative(ROOT, CACHE)}`,
    `  child start (node + tsx): ${mb(rows[1].report.baselineRss)} MiB RSS; decoded int16 volume: ${mb(SHAPE[0] * SHAPE[1] * SHAPE[2] * 2)} MiB`,
    '',
    ...table.map((row) => `  ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')}`),
    '',
    `  DICOM read / NIfTI read: ${(dicomRead / niftiRead).toFixed(2)}x`,
    `  same voxels (shape and sum): ${same ? 'yes' : `NO (${rows.map((r) => `${r.report.shape.join('x')} sum ${r.report.sum}`).join(' vs ')})`}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

async function ensureData(regenerate: boolean): Promise<void> {
  if (existsSync(join(CACHE, 'manifest.json')) && !regenerate) return;
  await mkdir(join(ROOT, '.tmp', 'bench'), { recursive: true });
  const scratch = `${CACHE}.partial`;
  rmSync(scratch, { recursive: true, force: true });
  process.stderr.write(`generating ${relative(ROOT, CACHE)} with make_series.py (several minutes) ...\n`);
  const result = spawnSync('/usr/bin/python3', [MAKE_SERIES, scratch, '--set', 'bench', '--shape', SHAPE.join(',')], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`make_series.py failed (status ${result.status})`);
  rmSync(CACHE, { recursive: true, force: true });
  renameSync(scratch, CACHE);
}

async function childRead(path: string): Promise<void> {
  const baselineRss = peakRss();
  let t = performance.now();
  const volume = await readVolume(path);
  const seconds = [(performance.now() - t) / 1000];
  // Peak RSS of the first read alone; the repeats below only refine the time.
  const firstPeak = peakRss();
  let sum = 0;
  for (const v of volume.data) sum += v;
  const report = { baselineRss, peakRss: firstPeak, shape: [...volume.shape], datatype: volume.source?.datatype ?? '', sum };
  for (let n = 1; n < REPEATS; n++) {
    t = performance.now();
    await readVolume(path);
    seconds.push((performance.now() - t) / 1000);
  }
  process.stdout.write(`${JSON.stringify({ ...report, seconds } satisfies ChildReport)}\n`);
}

function folderBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}
