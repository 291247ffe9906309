import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { uniseg } from '../helpers/cli.ts';
import { FIXTURES, TEST_MODELS } from '../helpers/paths.ts';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'uniseg-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ct = join(FIXTURES, 'engine', 'odd', 'ct.nii.gz');

describe('uniseg segment', () => {
  it('writes a merged label map and 4D probabilities on the CT grid and prints a JSON report', async () => {
    const out = join(tmp, 'labels.nii.gz');
    const probs = join(tmp, 'probs.nii');
    const run = uniseg(['segment', ct, '-p', 'liver', '--prompt', 'Kidney', '--model', join(TEST_MODELS, 'pathways'), '-o', out, '--probabilities', probs, '--json', '--threads', '1']);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.prompts.map((p: { prompt: string; label: number }) => [p.prompt, p.label])).toEqual([
      ['liver', 1],
      ['Kidney', 2],
    ]);
    expect(report.prompts[1].route).toEqual({ kind: 'pathway', pathway: [1, 3] });
    expect(report.prompts[0].volume_ml).toBeGreaterThan(0);
    expect(report.timings.totalMs).toBeGreaterThan(0);

    const input = await readVolume(ct);
    const labels = await readVolume(out);
    expect(labels.shape).toEqual(input.shape);
    expect(labels.affine.flat().map((v, i) => Math.abs(v - input.affine.flat()[i]))).toSatisfy((d: number[]) => d.every((x) => x < 1e-4));
    const counts = [0, 0, 0];
    for (const v of labels.data) counts[v]++;
    expect(counts[1]).toBeGreaterThan(0);
    expect(counts[2]).toBeGreaterThan(0);
    const probabilities = await readVolume(probs);
    expect(probabilities.source?.frames).toBe(2);
    expect(probabilities.source?.datatype).toBe('float32');
  });

  it('exits 2 with a one-line message on usage errors, and 1 with suggestions on an unknown prompt', () => {
    const noPrompt = uniseg(['segment', ct, '--model', join(TEST_MODELS, 'plain'), '-o', join(tmp, 'x.nii.gz')]);
    expect(noPrompt.status).toBe(2);
    expect(noPrompt.stderr.trim().split('\n')).toHaveLength(1);
    const badOverlap = uniseg(['segment', ct, '-p', 'liver', '--overlap', '1.5', '--model', join(TEST_MODELS, 'plain'), '-o', join(tmp, 'x.nii.gz')]);
    expect(badOverlap.status).toBe(2);
    expect(badOverlap.stderr).toMatch(/--overlap.*1\.5/);
    const unknown = uniseg(['segment', ct, '-p', 'femur', '--model', join(TEST_MODELS, 'plain'), '-o', join(tmp, 'x.nii.gz')]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/PROMPT_UNKNOWN.*femur.*closest/);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(tmp, 'x.nii.gz'))).toBe(false);
  });
});

describe('uniseg wrap', () => {
  it('packages an ONNX network that segment then runs', async () => {
    const pkg = join(tmp, 'wrapped');
    const wrap = uniseg(['wrap', '--onnx', join(TEST_MODELS, 'plain', 'net.onnx'), '--roi', '24,24,24', '--spacing', '1.5', '--orientation', 'RAS', '--axes', 'xyz', '--intensity', 'clip:-200,300,0,1', '--activation', 'softmax', '--labels', '1=liver,2=spleen', '-o', pkg]);
    expect(wrap.stderr).toBe('');
    expect(wrap.status).toBe(0);
    expect(readdirSync(pkg).sort()).toEqual(['model.json', 'net.onnx']);
    const out = join(tmp, 'spleen.nii.gz');
    const seg = uniseg(['segment', join(FIXTURES, 'engine', 'small', 'ct.nii.gz'), '-p', 'spleen', '--model', pkg, '-o', out, '--json']);
    expect(seg.status).toBe(0);
    expect(JSON.parse(seg.stdout).prompts[0].voxels).toBe(2209);
  });

  it('refuses bad labels, a roi the network cannot take and an existing output', () => {
    const base = ['wrap', '--onnx', join(TEST_MODELS, 'plain', 'net.onnx'), '--spacing', '1.5'];
    const badLabels = uniseg([...base, '--roi', '24,24,24', '--labels', 'liver', '-o', join(tmp, 'a')]);
    expect(badLabels.status).toBe(2);
    expect(badLabels.stderr).toMatch(/--labels/);
    const badRoi = uniseg([...base, '--roi', '32,32,32', '--labels', '1=liver', '-o', join(tmp, 'b')]);
    expect(badRoi.status).toBe(1);
    expect(badRoi.stderr).toMatch(/MODEL_TENSOR_MISMATCH.*\[N, 1, 24, 24, 24\]|expected \[N, 1, 32, 32, 32\]/);
    expect(existsSync(join(tmp, 'b'))).toBe(false);
    const exists = uniseg([...base, '--roi', '24,24,24', '--labels', '1=liver', '-o', tmp]);
    expect(exists.status).toBe(2);
    expect(exists.stderr).toMatch(/already exists/);
  });
});
