/** A trimmed task export segments exactly like the full package for that prompt, and is smaller. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportTask } from '../../src/models/export.ts';
import { loadModel } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { uniseg } from '../helpers/cli.ts';
import { FIXTURES, TEST_MODELS } from '../helpers/paths.ts';
import { expectSamePrompt } from '../helpers/same-prompt.ts';

const tmp = mkdtempSync(join(tmpdir(), 'uniseg-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cases = [
  { pkg: 'routed', ct: 'odd', prompts: ['liver', 'spleen', 'kidney', 'liver lesions'] },
  { pkg: 'heads', ct: 'sagittal', prompts: ['kidney_left', 'kidney_tumor', 'kidneys'] },
  { pkg: 'plain', ct: 'small', prompts: ['spleen'] },
];

describe.each(cases)('exportTask: $pkg', ({ pkg, ct, prompts }) => {
  it.each(prompts)('"%s": identical masks and probabilities, smaller package, no router or text encoder', async (prompt) => {
    const full = await loadModel(join(TEST_MODELS, pkg), { threads: 1 });
    const out = join(tmp, `${pkg}-${prompt.replace(/\W/g, '_')}`);
    const report = await exportTask(full, prompt, out);
    const volume = await readVolume(join(FIXTURES, 'engine', ct, 'ct.nii.gz'));
    const expected = await segmentWithModel(full, volume, prompt, { probabilities: true });
    await full.close();

    const trimmed = await loadModel(out, { threads: 1 });
    expect(trimmed.manifest.stages).toEqual([]);
    expect(trimmed.manifest.prompting.textEncoder).toBeUndefined();
    expect(trimmed.manifest.tasks).toHaveLength(1);
    expect(trimmed.manifest.origin).toMatchObject({ package: full.manifest.name, prompt, task: report.task });
    const got = await segmentWithModel(trimmed, volume, trimmed.manifest.tasks[0].prompt, { probabilities: true });
    await trimmed.close();

    expectSamePrompt(got.prompts[0], expected.prompts[0], 1e-6);
    const allParts = Object.keys(full.manifest.parts).length;
    if (report.parts.length < allParts) expect(report.ratio).toBeLessThan(1);
    else expect(report.ratio).toBe(1);
  });
});

describe('uniseg export', () => {
  it('writes the trimmed package and reports its size', () => {
    const out = join(tmp, 'cli-export');
    const run = uniseg(['export', '--prompt', 'kidney_tumor', '--model', join(TEST_MODELS, 'heads'), '-o', out, '--json']);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ task: 'kidney_tumor', route: { kind: 'head', head: 'Tumor' }, parts: ['encoder', 'head.Organs', 'head.Tumor'] });
    const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(Object.keys(manifest.heads).sort()).toEqual(['Organs', 'Tumor']);
    const again = uniseg(['export', '--prompt', 'kidney_tumor', '--model', join(TEST_MODELS, 'heads'), '-o', out]);
    expect(again.status).toBe(2);
  });
});
