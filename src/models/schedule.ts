/**
 * What the sliding window did, for reports (`segment --json`, the server's JSON, the bench):
 * how many windows the exact grid has, which were left out as air, which located, and per prompt
 * its box on the model grid and the windows whose outputs it reads. Window numbers index the
 * exact grid in its visiting order.
 */
import type { AxisOrder } from './axes.ts';
import type { FastOutput } from './locate.ts';

export interface Schedule {
  /** 'exact': every grid window for every prompt; 'fast': air skipped and/or located. */
  readonly mode: 'exact' | 'fast';
  readonly skipAir: boolean;
  readonly locate: boolean;
  /** Windows in the exact grid. */
  readonly grid: number;
  /** Windows run, all prompts together. */
  readonly run: number;
  readonly skippedAir: number;
  /** Windows of the locating pass. */
  readonly coarse: number[];
  readonly prompts: {
    readonly prompt: string;
    /** Located box on the model grid, voxel indices i, j, k, `end` exclusive; null when nothing was found (or not located). */
    readonly box: { start: number[]; end: number[] } | null;
    readonly windows: number[];
  }[];
}

export function describeSchedule(prompts: readonly string[], out: { readonly windows: number } | FastOutput, how: { skipAir: boolean; locate: boolean; axes: AxisOrder }): Schedule {
  if (!('schedule' in out)) {
    const all = Array.from({ length: out.windows }, (_, i) => i);
    return { mode: 'exact', skipAir: false, locate: false, grid: out.windows, run: out.windows, skippedAir: 0, coarse: [], prompts: prompts.map((prompt) => ({ prompt, box: null, windows: all })) };
  }
  const s = out.schedule;
  const toVolume = (v: readonly number[]) => (how.axes === 'xyz' ? [...v] : [v[2], v[1], v[0]]);
  return {
    mode: 'fast',
    skipAir: how.skipAir,
    locate: how.locate,
    grid: s.grid,
    run: out.windows,
    skippedAir: s.skippedAir,
    coarse: s.coarse,
    prompts: prompts.map((prompt, i) => {
      const { box, windows } = s.targets[i];
      if (!box || !how.locate) return { prompt, box: null, windows };
      const start = box.lo.map((v, d) => Math.max(0, v - s.padBefore[d]));
      const end = box.hi.map((v, d) => Math.min(s.dims[d], v - s.padBefore[d]));
      return { prompt, box: { start: toVolume(start), end: toVolume(end) }, windows };
    }),
  };
}
