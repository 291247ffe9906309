/**
 * Every task of the shipped demo package, exported on its own (gCIS pathway tasks as encoder +
 * one alternative per stage; head tasks as encoder + the shared bottleneck + the head), segments
 * a phantom exactly like the full package and is smaller. Prints the size ratio per task.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_DIR } from '../../src/models/default-model.ts';
import { exportTask } from '../../src/models/export.ts';
import { loadModel, readManifest, type Model } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { generatePhantom } from '../../src/volume/phantom/index.ts';
import { expectSamePrompt } from '../helpers/same-prompt.ts';

// Two windows of the 3 mm model grid along i, one along j and k.
const phantom = generatePhantom({ seed: 72001, shape: [80, 48, 48], spacing: [3.5, 4, 4], orientation: 'LPS' });
const manifest = await readManifest(DEFAULT_MODEL_DIR);
const prompts = manifest.tasks.map((t) => t.prompt);
let tmp: string;
let full: Model;
/** The full package's answer to every prompt, in one run (parts shared across prompts, as users run it). */
let expected: Awaited<ReturnType<typeof segmentWithModel>>;
const ratios: string[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'uniseg-demo-export-'));
  full = await loadModel(DEFAULT_MODEL_DIR, { threads: 1 });
  expected = await segmentWithModel(full, phantom.ct, prompts, { probabilities: true });
}, 300_000);
afterAll(async () => {
  await full?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  if (ratios.length) process.stdout.write(`demo export size / full package:\n  ${ratios.join('\n  ')}\n`);
});

describe('exporting each demo task', () => {
  it.each(prompts)('"%s": the same masks and probabilities from a smaller package', async (prompt) => {
    const out = join(tmp, prompt.replace(/\W/g, '_'));
    const report = await exportTask(full, prompt, out);
    const trimmed = await loadModel(out, { threads: 1 });
    try {
      expect(trimmed.manifest.stages).toEqual([]);
      expect(trimmed.manifest.prompting.textEncoder).toBeUndefined();
      const got = await segmentWithModel(trimmed, phantom.ct, trimmed.manifest.tasks[0].prompt, { probabilities: true });
      expectSamePrompt(got.prompts[0], expected.prompts[prompts.indexOf(prompt)], 1e-6);
    } finally {
      await trimmed.close();
    }
    expect(report.ratio).toBeLessThan(1);
    ratios.push(`${report.task.padEnd(13)} ${(report.bytes / 1e6).toFixed(1)} MB / ${(report.fullBytes / 1e6).toFixed(1)} MB = ${report.ratio.toFixed(2)}`);
  }, 120_000);
});
