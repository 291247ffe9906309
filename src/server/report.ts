/**
 * The per-prompt numbers both `uniseg segment --json` and `POST /segment?format=json` report, and
 * the intensity statistics inside a mask (`--statistics`, and the server's JSON).
 */
import type { RouteTaken, SegmentResult } from '../models/segment.ts';
import type { Volume } from '../volume/types.ts';

export interface PromptRow {
  readonly prompt: string;
  readonly task: string;
  /** The value this prompt has in the written file: i + 1 in a merged label map, else the task's own. */
  readonly label: number;
  readonly labels: Readonly<Record<string, number>>;
  readonly voxels: number;
  readonly volume_ml: number;
  readonly route: RouteTaken;
  /** Present when the prompt was located first; false: nothing found, answered empty. */
  readonly located?: boolean;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** `merged`: the prompts were written as one label map (the default when there are several). */
export function promptRows(result: SegmentResult, merged = result.prompts.length > 1): PromptRow[] {
  return result.prompts.map((p, i) => ({
    prompt: p.prompt,
    task: p.task,
    label: merged ? i + 1 : Math.max(...Object.values(p.labels)),
    labels: p.labels,
    voxels: p.voxels,
    volume_ml: round(p.volumeMl, 3),
    route: p.route,
    ...(p.located === undefined ? {} : { located: p.located }),
  }));
}

export function roundedTimings(timings: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)]));
}

export interface MaskIntensity {
  /** Mean and (population) standard deviation of the CT inside the mask; null for an empty mask. */
  readonly mean_hu: number | null;
  readonly std_hu: number | null;
}

/** CT values where `mask` is non-zero; both volumes are on the same grid. */
export function maskIntensity(ct: Volume, mask: Volume): MaskIntensity {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  const values = ct.data;
  const on = mask.data;
  for (let i = 0; i < on.length; i++) {
    if (on[i] === 0) continue;
    // Welford: stable for large masks of similar values.
    const x = values[i];
    n++;
    const delta = x - mean;
    mean += delta / n;
    m2 += delta * (x - mean);
  }
  if (n === 0) return { mean_hu: null, std_hu: null };
  return { mean_hu: round(mean, 2), std_hu: round(Math.sqrt(m2 / n), 2) };
}

/** "fixed", "pathway 1,3" or "head Organs": one short string per prompt, for logs and text output. */
export function routeLabel(route: RouteTaken): string {
  if (route.kind === 'pathway') return `pathway ${route.pathway.join(',')}`;
  if (route.kind === 'head') return `head ${route.head}`;
  return 'fixed';
}
