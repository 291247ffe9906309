/**
 * `uniseg verify` on the three package shapes (plain network, gCIS pathway by prompt, clNet head
 * with its supporting head) against the packages' own torch modules, and its refusals.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniseg } from '../helpers/cli.ts';
import { ROOT, TEST_MODELS } from '../helpers/paths.ts';

const work = mkdtempSync(join(tmpdir(), 'uniseg-verify-'));
const cases = [
  { pkg: 'plain', task: 'liver', select: [] as string[] },
  { pkg: 'pathways', task: 'lesions', select: ['--prompt', 'liver lesions'] },
  { pkg: 'heads', task: 'kidney_tumor', select: ['--head', 'Tumor'] },
];

/** The torch output of one task on a seeded window, written by the package's torch reference modules. */
function torchOutputs(pkg: string, task: string): string {
  const out = join(work, pkg);
  const run = spawnSync('/usr/bin/python3', [join(ROOT, 'test/convert/torch_outputs.py'), join(TEST_MODELS, pkg), task, out], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: ROOT },
  });
  if (run.status !== 0) throw new Error(`torch_outputs.py failed: ${run.stderr}`);
  return out;
}

const dirs = new Map<string, string>();
beforeAll(() => {
  for (const c of cases) dirs.set(c.pkg, torchOutputs(c.pkg, c.task));
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Each case spawns the CLI (tsx start-up dominates on a loaded machine).
describe('uniseg verify', { timeout: 180_000 }, () => {
  it.each(cases)('$pkg: the ONNX network matches torch within 1e-4', ({ pkg, select }) => {
    const dir = dirs.get(pkg)!;
    const run = uniseg(['verify', join(TEST_MODELS, pkg), '--input', join(dir, 'input.npy'), '--expect', join(dir, 'expected.npy'), ...select, '--json', '--tolerance', '1e-4']);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.maxAbsDiff).toBeLessThan(1e-4);
    expect(report.maxAbsExpected).toBeGreaterThan(0.1);
    expect(report.shape).toHaveLength(5);
    expect(report.inputShape).toEqual([1, 1, ...report.shape.slice(2)]);
  });

  it('reports a real difference and fails --tolerance', () => {
    const dir = dirs.get('heads')!;
    // The Organs head's output has another channel count than the Tumor head's expected tensor.
    const run = uniseg(['verify', join(TEST_MODELS, 'heads'), '--input', join(dir, 'input.npy'), '--expect', join(dir, 'expected.npy'), '--head', 'Organs', '--json']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/MODEL_TENSOR_MISMATCH.*\[1, 3, 24, 24, 24\].*\[1, 2, 24, 24, 24\]/);
    const off = uniseg(['verify', join(TEST_MODELS, 'heads'), '--input', join(dir, 'input.npy'), '--expect', join(dir, 'expected.npy'), '--prompt', 'kidney tumor', '--tolerance', '1e-9']);
    expect(off.status).toBe(1);
    expect(off.stderr).toMatch(/above --tolerance 1e-9/);
  });

  it('refuses what it cannot answer, each with a typed error', () => {
    const dir = dirs.get('heads')!;
    const base = ['verify', join(TEST_MODELS, 'heads'), '--input', join(dir, 'input.npy'), '--expect', join(dir, 'expected.npy')];
    const several = uniseg(base);
    expect(several.status).toBe(2);
    expect(several.stderr).toMatch(/INVALID_ARGUMENT.*several networks.*Organs, Tumor/);
    const fold = uniseg([...base, '--fold', '1']);
    expect(fold.status).toBe(1);
    expect(fold.stderr).toMatch(/MODEL_NO_FOLDS.*no folds/);
    const truncated = join(work, 'truncated.npy');
    writeFileSync(truncated, readFileSync(join(dir, 'input.npy')).subarray(0, 300));
    const bad = uniseg(['verify', join(TEST_MODELS, 'heads'), '--input', truncated, '--expect', join(dir, 'expected.npy'), '--head', 'Tumor']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/NPY_INVALID.*truncated.*13824 values/);
    const head = uniseg([...base, '--head', 'Lungs']);
    expect(head.stderr).toMatch(/no head "Lungs"; heads: Organs, Tumor/);
  });
});
