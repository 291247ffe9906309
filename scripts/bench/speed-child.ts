/**
 * One measured segmentation for `npm run bench -- speed`, in its own process (so peak RSS is its
 * own): load the package and create every ONNX session first (as a server or a warm CLI has them),
 * then time read + segment, and write each prompt's mask as raw uint8 for the parent's Dice.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { peakRss } from './child.ts';

export type Mode = 'exact' | 'fast';

export interface ChildReport {
  /** Read + segment, sessions already created. */
  readonly seconds: number;
  readonly loadSeconds: number;
  readonly ortSeconds: number;
  readonly windows: number;
  readonly grid: number;
  readonly skippedAir: number;
  readonly peakRss: number;
  readonly prompts: { prompt: string; voxels: number; located?: boolean; windows: number }[];
}

export const THREADS = 2;

/** args: PACKAGE CT PROMPT[|PROMPT...] MODE [OUTDIR] */
export async function child(args: string[]): Promise<void> {
  const [pkg, ctPath, promptList, mode, outDir] = args;
  const prompts = promptList.split('|');
  const loading = performance.now();
  const model = await loadModel(pkg, { threads: THREADS });
  for (const part of Object.keys(model.manifest.parts)) await model.parts.session(part);
  const started = performance.now();
  const ct = await readVolume(ctPath);
  const result = await segmentWithModel(model, ct, prompts, { exact: mode === 'exact' });
  const done = performance.now();
  await model.close();
  if (outDir) {
    for (const [i, p] of result.prompts.entries()) await writeFile(join(outDir, `${mode}-${i}.u8`), new Uint8Array(p.mask.data.buffer, p.mask.data.byteOffset, p.mask.data.length));
  }
  const report: ChildReport = {
    seconds: (done - started) / 1000,
    loadSeconds: (started - loading) / 1000,
    ortSeconds: result.timings.ortMs / 1000,
    windows: result.windows,
    grid: result.schedule.grid,
    skippedAir: result.schedule.skippedAir,
    peakRss: peakRss(),
    prompts: result.prompts.map((p, i) => ({ prompt: p.prompt, voxels: p.voxels, located: p.located, windows: result.schedule.prompts[i].windows.length })),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

/** Dice of two masks (any non-zero is on); 1 when both are empty. */
export function dice(a: Uint8Array, b: Uint8Array): number {
  let both = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] !== 0;
    const y = b[i] !== 0;
    if (x) na++;
    if (y) nb++;
    if (x && y) both++;
  }
  return na + nb === 0 ? 1 : (2 * both) / (na + nb);
}
