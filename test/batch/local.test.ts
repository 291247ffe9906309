/**
 * `uniseg batch` on one machine, through the real binary: killed halfway (SIGKILL) and run again,
 * it skips what was finished (and says how many), finishes the rest, and the output folders are
 * byte for byte those of an uninterrupted run; failures keep their codes and --retry-failed runs them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageSha256 } from '../../src/batch/hash.ts';
import { listCases } from '../../src/batch/inputs.ts';
import { runLocalBatch } from '../../src/batch/local.ts';
import { loadModel } from '../../src/models/package.ts';
import { PLAIN_PACKAGE, PLAIN_PROMPTS, readLedger, treeBytes, writeBroken, writeCases } from '../helpers/batch.ts';
import { uniseg } from '../helpers/cli.ts';
import { ROOT } from '../helpers/paths.ts';

const root = mkdtempSync(join(tmpdir(), 'uniseg-batch-local-'));
const input = join(root, 'in');
const out = join(root, 'out');
const reference = join(root, 'reference');
const args = ['batch', input, '-p', PLAIN_PROMPTS[0], '-p', PLAIN_PROMPTS[1], '-m', PLAIN_PACKAGE, '--output-dir', out, '--threads', '1'];

beforeAll(async () => {
  // 40x40x32 is 18 windows of the plain package: long enough per case to be killed between cases.
  await writeCases(input, 6, { shape: [40, 40, 32] });
  writeBroken(input);
  const model = await loadModel(PLAIN_PACKAGE, { threads: 1 });
  try {
    const cases = await listCases([input], PLAIN_PROMPTS, { outputDir: reference });
    await runLocalBatch({ cases, model, packageSha256: await packageSha256(model.dir, model.manifest), outputDir: reference });
  } finally {
    await model.close();
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Starts the batch and SIGKILLs it once the ledger has `lines` lines. */
async function killAfter(lines: number): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin', 'uniseg.mjs'), ...args], { cwd: ROOT, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const ledger = join(out, 'batch.jsonl');
  let seen = 0;
  while (child.exitCode === null && seen < lines) {
    await new Promise((r) => setTimeout(r, 20));
    seen = existsSync(ledger) ? readLedger(out).length : 0;
  }
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return readLedger(out).length;
}

describe('uniseg batch (local)', () => {
  it('resumes after a kill: finished cases skipped and counted, outputs identical to an uninterrupted run', { timeout: 120_000 }, async () => {
    const before = await killAfter(4);
    expect(before).toBeLessThan(8);
    const doneBefore = readLedger(out).filter((e) => e.status === 'done').length;
    const failedBefore = readLedger(out).filter((e) => e.status === 'failed').length;

    const run = uniseg([...args, '--json']);
    expect(run.status, run.stderr).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary.skipped).toEqual({ done: doneBefore, failed: failedBefore });
    expect(summary.done).toBe(6 - doneBefore);
    expect(summary.failed).toBe(2 - failedBefore);
    expect(summary.failures.map((f: { id: string; code: string }) => `${f.id} ${f.code}`).sort()).toEqual(['broken1 NIFTI_NOT_NIFTI', 'broken2 NIFTI_NOT_NIFTI']);

    // No staging left behind, and every case folder equals the uninterrupted run's, byte for byte.
    expect(readdirSync(out).sort()).toEqual(['batch.jsonl', 'case0', 'case1', 'case2', 'case3', 'case4', 'case5']);
    const got = treeBytes(out, (p) => p === 'batch.jsonl');
    const want = treeBytes(reference, (p) => p === 'batch.jsonl');
    expect([...got.keys()]).toEqual([...want.keys()]);
    for (const [file, bytes] of want) expect(got.get(file)!.equals(bytes), file).toBe(true);
    expect([...got.keys()].filter((f) => f.startsWith('case0/'))).toEqual(['case0/case.json', 'case0/liver.nii.gz', 'case0/selection.jsonl', 'case0/spleen.nii.gz', 'case0/statistics.json']);

    const ledger = readLedger(out);
    const last = new Map(ledger.filter((e) => e.status !== 'skipped').map((e) => [e.id, e]));
    expect(last.get('broken1')).toMatchObject({ status: 'failed', code: 'NIFTI_NOT_NIFTI', message: expect.stringContaining('broken1.nii.gz') });
    expect(last.get('case3')).toMatchObject({ status: 'done', routes: { liver: 'fixed', spleen: 'fixed' }, seconds: expect.any(Number) });
    expect(ledger.filter((e) => e.status === 'skipped')).toHaveLength(doneBefore + failedBefore);
  });

  it('runs earlier failures again only with --retry-failed', async () => {
    const run = uniseg([...args, '--retry-failed', '--json']);
    expect(run.status).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ done: 0, failed: 2, skipped: { done: 6, failed: 0 } });
    const statistics = JSON.parse(readFileSync(join(out, 'case0', 'statistics.json'), 'utf8'));
    expect(statistics.prompts.map((p: { prompt: string }) => p.prompt)).toEqual(PLAIN_PROMPTS);
  });
});
