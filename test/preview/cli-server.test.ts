/** The three doors to a preview: `segment --preview`, `uniseg preview`, and POST /segment?format=png. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/models/package.ts';
import { createApp } from '../../src/server/index.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { uniseg } from '../helpers/cli.ts';
import { FIXTURES, TEST_MODELS } from '../helpers/paths.ts';

const ct = join(FIXTURES, 'engine', 'small', 'ct.nii.gz');
const model = ['--model', join(TEST_MODELS, 'plain'), '--threads', '1', '--no-log'];
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'uniseg-preview-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Pixels whose red channel clearly leads (the first layer's colour, 230,25,75, over grey). */
async function reddish(png: string | Buffer): Promise<number> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  let n = 0;
  for (let p = 0; p < data.length; p += info.channels) if (data[p] - data[p + 1] > 60) n++;
  return n;
}

describe('preview doors', () => {
  it('segment --preview writes a PNG beside the mask, with the mask drawn in the first colour', async () => {
    const mask = join(tmp, 'liver.nii.gz');
    const png = join(tmp, 'liver.png');
    const run = uniseg(['segment', ct, '-p', 'liver', ...model, '-o', mask, '--preview', png, '--json']);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).outputs).toEqual({ mask, preview: png });
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(300);
    const voxels = Array.from((await readVolume(mask)).data).filter((v) => v !== 0).length;
    expect(voxels).toBeGreaterThan(0);
    expect(await reddish(png)).toBeGreaterThan(20);

    // The same picture from the files afterwards.
    const again = join(tmp, 'again.png');
    const preview = uniseg(['preview', ct, mask, '--name', 'liver', '-o', again]);
    expect(preview.status).toBe(0);
    expect(preview.stdout).toMatch(/^liver: \d+\.\d ml$/m);
    const [a, b] = await Promise.all([sharp(png).raw().toBuffer(), sharp(again).raw().toBuffer()]);
    expect(a.equals(b)).toBe(true);
  });

  it('refuses a non-.png path before any work, and a mask on another grid with a clear error', () => {
    const run = uniseg(['segment', ct, '-p', 'liver', ...model, '-o', join(tmp, 'x.nii.gz'), '--preview', join(tmp, 'x.jpg')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--preview must be a file name ending in \.png; got ".*x\.jpg"/);
    expect(readdirSync(tmp).filter((f) => f.startsWith('x.'))).toEqual([]);

    const labels = join(tmp, 'other-labels.nii.gz');
    expect(uniseg(['phantom', '-o', join(tmp, 'other.nii.gz'), '--labels', labels, '--size', '20,20,20']).status).toBe(0);
    const bad = uniseg(['preview', ct, labels, '-o', join(tmp, 'bad.png')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/VOLUME_INVALID\]: .*other-labels\.nii\.gz: shape \[20,20,20\] and affine differ from the CT/);
    expect(readdirSync(tmp).some((f) => f.includes('bad'))).toBe(false);
  });

  it('POST /segment?format=png answers the picture', async () => {
    const loaded = await loadModel(join(TEST_MODELS, 'plain'), { threads: 1 });
    try {
      const res = await createApp(loaded).request('/segment?prompt=liver&prompt=spleen&format=png', { method: 'POST', body: readFileSync(ct) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const png = Buffer.from(await res.arrayBuffer());
      const meta = await sharp(png).metadata();
      expect(meta.format).toBe('png');
      // Two prompts: two rows of slices and two legend lines.
      expect(meta.height).toBeGreaterThan(2 * 300);
      expect(await reddish(png)).toBeGreaterThan(20);
    } finally {
      await loaded.close();
    }
  });
});
