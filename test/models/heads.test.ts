/** Continual heads: adding one never changes what exists; removing restores; merging follows the documented rule. */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, parseManifest } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import type { Volume } from '../../src/volume/types.ts';
import { uniseg } from '../helpers/cli.ts';
import { FIXTURES, TEST_MODELS } from '../helpers/paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'uniseg-heads-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const extra = join(FIXTURES, 'heads-extra', 'extra.onnx');
const hashes = (dir: string) => Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.onnx')).map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));

let ct: Volume;
beforeAll(async () => {
  ct = await readVolume(join(FIXTURES, 'engine', 'sagittal', 'ct.nii.gz'));
});

async function outputs(dir: string, prompts: string[]) {
  const model = await loadModel(dir, { threads: 1 });
  const result = await segmentWithModel(model, ct, prompts, { probabilities: true });
  await model.close();
  return result;
}

describe('uniseg heads add / remove', () => {
  it('adds a head without changing any existing part or output, and removes it again', async () => {
    const dir = join(tmp, 'pkg');
    cpSync(join(TEST_MODELS, 'heads'), dir, { recursive: true });
    const before = await outputs(dir, ['kidney_left', 'kidney_right', 'kidney_tumor']);
    const partHashes = hashes(dir);
    const manifestBefore = readFileSync(join(dir, 'model.json'), 'utf8');

    const add = uniseg(['heads', 'add', '--model', dir, '--name', 'Extra', '--onnx', extra, '--labels', '1=gallbladder', '--trained-on', 'twelve test CTs', '--caution', 'a test head']);
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    expect(readFileSync(join(dir, 'model.json.prev'), 'utf8')).toBe(manifestBefore);
    for (const [file, hash] of Object.entries(partHashes)) expect(hashes(dir)[file], file).toBe(hash);

    const after = await outputs(dir, ['kidney_left', 'kidney_right', 'kidney_tumor', 'gallbladder']);
    for (let p = 0; p < 3; p++) {
      expect(Buffer.from(after.prompts[p].mask.data.buffer).equals(Buffer.from(before.prompts[p].mask.data.buffer))).toBe(true);
      expect(Buffer.from(after.prompts[p].probabilities!.data.buffer).equals(Buffer.from(before.prompts[p].probabilities!.data.buffer))).toBe(true);
    }
    expect(after.prompts[3]).toMatchObject({ task: 'gallbladder', route: { kind: 'head', head: 'Extra' } });
    expect(after.prompts[3].voxels).toBeGreaterThan(0);
    const added = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).tasks.find((t: { name: string }) => t.name === 'gallbladder');
    expect(added).toMatchObject({ trainedOn: 'twelve test CTs', caution: 'a test head' });

    const listed = JSON.parse(uniseg(['heads', 'list', '--model', dir, '--json']).stdout);
    expect(listed.map((h: { name: string }) => h.name)).toEqual(['Organs', 'Tumor', 'Extra']);

    const refused = uniseg(['heads', 'remove', 'Organs', '--model', dir]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/supports Tumor/);
    const remove = uniseg(['heads', 'remove', 'Extra', '--model', dir]);
    expect(remove.status).toBe(0);
    // Same package as before (the rewritten manifest spells out defaults the original left implicit).
    const parsed = (text: string) => parseManifest(JSON.parse(text), 'model.json');
    expect(parsed(readFileSync(join(dir, 'model.json'), 'utf8'))).toEqual(parsed(manifestBefore));
    expect(hashes(dir)).toEqual(partHashes);
  });

  it('leaves the package untouched when the new head is invalid', () => {
    const dir = join(tmp, 'bad');
    cpSync(join(TEST_MODELS, 'heads'), dir, { recursive: true });
    const manifest = readFileSync(join(dir, 'model.json'), 'utf8');
    writeFileSync(join(tmp, 'junk.onnx'), 'not onnx');
    const run = uniseg(['heads', 'add', '--model', dir, '--name', 'Junk', '--onnx', join(tmp, 'junk.onnx'), '--labels', '1=junk']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/MODEL_PART_INVALID/);
    const wrongTensor = uniseg(['heads', 'add', '--model', dir, '--name', 'Wrong', '--onnx', extra, '--inputs', 'nothing', '--labels', '1=wrong']);
    expect(wrongTensor.status).toBe(1);
    expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe(manifest);
    expect(readdirSync(dir).filter((f) => f.startsWith('model.json'))).toEqual(['model.json']);
  });
});

describe('a tampered part', () => {
  it('is refused at load with an error naming the part', async () => {
    const dir = join(tmp, 'tampered');
    cpSync(join(TEST_MODELS, 'heads'), dir, { recursive: true });
    const file = join(dir, 'head.Organs.onnx');
    const bytes = readFileSync(file);
    bytes[100] ^= 1;
    writeFileSync(file, bytes);
    const error = await loadModel(dir).catch((e) => e);
    expect(error.code).toBe('MODEL_PART_TAMPERED');
    expect(error.message).toMatch(/part "head\.Organs"/);
  });
});

describe('merging overlapping heads', () => {
  it('gives contested voxels to the most probable prompt, or to the manifest priority, and reports them', async () => {
    const dir = join(tmp, 'merge');
    cpSync(join(TEST_MODELS, 'heads'), dir, { recursive: true });
    // kidneys (Organs, both labels) overlaps kidney_left (Organs) and kidney_tumor (Tumor).
    const prompts = ['kidneys', 'kidney_tumor'];
    const byProbability = await outputs(dir, prompts);
    const pair = byProbability.contested.find((c) => c.a === 'kidneys' && c.b === 'kidney_tumor')!;
    let both = 0;
    let toTumor = 0;
    const pk = byProbability.prompts[0].probabilities!.data;
    const pt = byProbability.prompts[1].probabilities!.data;
    byProbability.labelMap.data.forEach((v: number, i: number) => {
      if (byProbability.prompts[0].mask.data[i] > 0 && byProbability.prompts[1].mask.data[i] > 0) {
        both++;
        expect(v).toBe(pt[i] > pk[i] ? 2 : 1);
        if (v === 2) toTumor++;
      }
    });
    expect(pair.voxels).toBe(both);
    expect(both).toBeGreaterThan(0);
    expect(toTumor).toBeGreaterThan(0);
    expect(toTumor).toBeLessThan(both);

    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    manifest.merge = { priority: ['kidney_tumor'] };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest));
    const byPriority = await outputs(dir, prompts);
    byPriority.labelMap.data.forEach((v: number, i: number) => {
      if (byPriority.prompts[1].mask.data[i] > 0) expect(v).toBe(2);
    });
    expect(byPriority.contested).toEqual(byProbability.contested);
  });
});
