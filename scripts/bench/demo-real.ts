/**
 * The real half of `npm run bench -- demo`: the package on OpenKBP's validation patients (never
 * trained on), end to end through the TypeScript engine with text prompts. Dice per organ is
 * counted only on patients where that organ was contoured (manifest.json `oars`: a missing organ is
 * unknown, not absent). Also the left/right check: "left parotid" scored against the RIGHT parotid's
 * contour must stay below 0.1.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnisegError } from '../../src/errors.ts';
import type { Model } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { dice } from '../../src/volume/phantom/truth.ts';

export const OPENKBP_DIR = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'openkbp');

/** Prompt a user types → (OpenKBP OAR name, its value in oar.nii.gz), and the goal. */
export const HN_ORGANS = [
  { prompt: 'brainstem', oar: 'Brainstem', value: 1, goal: 0.7 },
  { prompt: 'spinal cord', oar: 'SpinalCord', value: 2, goal: 0.7 },
  { prompt: 'right parotid', oar: 'RightParotid', value: 3, goal: 0.7 },
  { prompt: 'left parotid', oar: 'LeftParotid', value: 4, goal: 0.7 },
  { prompt: 'esophagus', oar: 'Esophagus', value: 5, goal: 0.6 },
  { prompt: 'larynx', oar: 'Larynx', value: 6, goal: 0.6 },
  { prompt: 'mandible', oar: 'Mandible', value: 7, goal: 0.7 },
] as const;
const MEAN_GOAL = { organs: ['brainstem', 'spinal cord', 'right parotid', 'left parotid', 'mandible'], goal: 0.8 };

interface CaseEntry {
  readonly split: string;
  readonly patient: string;
  readonly oars: readonly string[];
}

/** Prompts of HN_ORGANS that the package resolves; the others are reported, not scored. */
async function answerable(model: Model, only?: readonly string[]): Promise<{ prompts: string[]; missing: string[] }> {
  const prompts: string[] = [];
  const missing: string[] = [];
  const { resolvePrompt } = await import('../../src/models/routing.ts');
  const unknown = only?.filter((p) => !HN_ORGANS.some((o) => o.prompt === p)) ?? [];
  if (unknown.length) throw new Error(`--real-prompts: ${unknown.join(', ')} not among ${HN_ORGANS.map((o) => o.prompt).join(', ')}`);
  for (const o of HN_ORGANS.filter((h) => !only || only.includes(h.prompt))) {
    try {
      await resolvePrompt(model, o.prompt);
      prompts.push(o.prompt);
    } catch (err) {
      if (err instanceof UnisegError && err.code === 'PROMPT_UNKNOWN') missing.push(o.prompt);
      else throw err;
    }
  }
  return { prompts, missing };
}

/** `only`: score these prompts alone, on the patients where one of their organs was contoured. */
export async function runReal(model: Model, limit: number, only?: readonly string[]): Promise<void> {
  if (!existsSync(join(OPENKBP_DIR, 'manifest.json'))) {
    process.stdout.write(`\nreal CTs: ${OPENKBP_DIR} not found, skipped\n`);
    return;
  }
  const manifest = JSON.parse(readFileSync(join(OPENKBP_DIR, 'manifest.json'), 'utf8')) as { cases: CaseEntry[] };
  const { prompts, missing } = await answerable(model, only);
  const wanted = new Set<string>(HN_ORGANS.filter((o) => prompts.includes(o.prompt)).map((o) => o.oar));
  const cases = manifest.cases.filter((c) => c.split === 'validation-pats' && (!only || c.oars.some((o) => wanted.has(o)))).slice(0, limit);
  process.stdout.write(`\nreal CTs: ${cases.length} OpenKBP validation patients; prompts ${prompts.join(', ') || '(none)'}`);
  process.stdout.write(missing.length ? `; not in the package: ${missing.join(', ')}\n` : '\n');
  if (prompts.length === 0) return;
  const scores = new Map<string, number[]>();
  const swapped: number[] = [];
  let seconds = 0;
  for (const [n, c] of cases.entries()) {
    const dir = join(OPENKBP_DIR, c.split, c.patient);
    const [ct, oar] = await Promise.all([readVolume(join(dir, 'ct.nii.gz')), readVolume(join(dir, 'oar.nii.gz'))]);
    const started = performance.now();
    const result = await segmentWithModel(model, ct, prompts);
    seconds += (performance.now() - started) / 1000;
    const cells: string[] = [];
    for (const p of result.prompts) {
      const organ = HN_ORGANS.find((o) => o.prompt === p.prompt)!;
      const mask = p.mask.data;
      if (c.oars.includes(organ.oar)) {
        const d = dice(mask, oar.data, new Set([organ.value]));
        scores.set(p.prompt, [...(scores.get(p.prompt) ?? []), d]);
        cells.push(`${p.prompt} ${d.toFixed(3)}`);
      } else cells.push(`${p.prompt} -`);
      if (p.prompt === 'left parotid' && c.oars.includes('RightParotid')) swapped.push(dice(mask, oar.data, new Set([3])));
    }
    process.stdout.write(`patient ${n + 1}/${cases.length} ${c.patient.padEnd(7)} ${cells.join('  ')}\n`);
  }
  process.stdout.write(`\n${'organ (real CTs)'.padEnd(22)} ${'mean'.padStart(6)} ${'min'.padStart(6)} ${'cases'.padStart(5)}  goal\n`);
  const means = new Map<string, number>();
  for (const o of HN_ORGANS) {
    const s = scores.get(o.prompt);
    if (!s?.length) continue;
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    means.set(o.prompt, mean);
    process.stdout.write(`${o.prompt.padEnd(22)} ${mean.toFixed(3).padStart(6)} ${Math.min(...s).toFixed(3).padStart(6)} ${String(s.length).padStart(5)}  >= ${o.goal} ${mean >= o.goal ? 'met' : 'MISSED'}\n`);
  }
  const five = MEAN_GOAL.organs.map((o) => means.get(o)).filter((m): m is number => m !== undefined);
  if (five.length === MEAN_GOAL.organs.length) {
    const m = five.reduce((a, b) => a + b, 0) / five.length;
    process.stdout.write(`mean of ${MEAN_GOAL.organs.join(', ')}: ${m.toFixed(3)}  >= ${MEAN_GOAL.goal} ${m >= MEAN_GOAL.goal ? 'met' : 'MISSED'}\n`);
  }
  if (swapped.length) {
    const worst = Math.max(...swapped);
    process.stdout.write(`"left parotid" against the right parotid's contour: max Dice ${worst.toFixed(3)} over ${swapped.length}  < 0.1 ${worst < 0.1 ? 'met' : 'MISSED'}\n`);
  }
  process.stdout.write(`seconds per patient (${prompts.length} prompts): ${(seconds / cases.length).toFixed(1)} s\n`);
}
