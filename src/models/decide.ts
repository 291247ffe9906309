/**
 * Back to the input grid, in one pass: every probability channel is interpolated (trilinear, world
 * coordinates, edge-clamped) at each input voxel once, then each prompt's mask is decided there
 * (argmax for softmax, threshold for sigmoid) and the merged label map takes, where prompts
 * overlap, the prompt with the highest probability. Fusing the steps means no full-resolution
 * float copy per channel is ever held, which matters for 512x512x400 inputs.
 */
import { invertAffine, multiplyAffine } from '../volume/affine.ts';
import type { Affine, Shape3 } from '../volume/types.ts';

export interface GridSpec {
  readonly shape: Shape3;
  readonly affine: Affine;
}

export interface PromptDecision {
  /** Indices into the channel list, in channel order, that take part in this prompt's argmax (softmax) or threshold (sigmoid). */
  readonly candidates: readonly number[];
  /** Mask value for each candidate; 0 for a competing channel that is not one of the prompt's labels. */
  readonly values: readonly number[];
  readonly activation: 'softmax' | 'sigmoid';
  readonly threshold: number;
  readonly keepProbability: boolean;
}

export type LabelArray = Uint8Array | Uint16Array;

export interface DecidedPrompt {
  readonly mask: LabelArray;
  /** The prompt's probability (max over its label channels) on the input grid, when asked for. */
  readonly probability?: Float32Array;
  readonly voxels: number;
}

export interface Decided {
  readonly prompts: DecidedPrompt[];
  readonly merged: LabelArray;
  /** contested[a][b]: voxels where prompts a and b were both on (a < b). */
  readonly contested: number[][];
}

export function decideOnGrid(source: GridSpec, target: GridSpec, channels: readonly Float32Array[], prompts: readonly PromptDecision[]): Decided {
  const [sx, sy, sz] = source.shape;
  const [tx, ty, tz] = target.shape;
  const total = tx * ty * tz;
  const m = multiplyAffine(invertAffine(source.affine), target.affine);
  const masks = prompts.map((p) => (Math.max(...p.values) > 255 ? new Uint16Array(total) : new Uint8Array(total)));
  const probabilities = prompts.map((p) => (p.keepProbability ? new Float32Array(total) : undefined));
  const voxels = prompts.map(() => 0);
  const merged = prompts.length > 255 ? new Uint16Array(total) : new Uint8Array(total);
  const contested = prompts.map(() => prompts.map(() => 0));
  const values = new Float64Array(channels.length);
  const on = new Uint8Array(prompts.length);
  const sxy = sx * sy;

  let v = 0;
  for (let k = 0; k < tz; k++) {
    for (let j = 0; j < ty; j++) {
      for (let i = 0; i < tx; i++, v++) {
        // Fractional source index of this target voxel centre, clamped to the source grid (edge).
        const fx = clamp(m[0][0] * i + m[0][1] * j + m[0][2] * k + m[0][3], sx - 1);
        const fy = clamp(m[1][0] * i + m[1][1] * j + m[1][2] * k + m[1][3], sy - 1);
        const fz = clamp(m[2][0] * i + m[2][1] * j + m[2][2] * k + m[2][3], sz - 1);
        const x0 = Math.floor(fx);
        const y0 = Math.floor(fy);
        const z0 = Math.floor(fz);
        const dx = fx - x0;
        const dy = fy - y0;
        const dz = fz - z0;
        const x1 = x0 + (dx > 0 ? 1 : 0);
        const y1 = y0 + (dy > 0 ? 1 : 0);
        const z1 = z0 + (dz > 0 ? 1 : 0);
        const o000 = x0 + sx * y0 + sxy * z0;
        const o100 = x1 + sx * y0 + sxy * z0;
        const o010 = x0 + sx * y1 + sxy * z0;
        const o110 = x1 + sx * y1 + sxy * z0;
        const o001 = x0 + sx * y0 + sxy * z1;
        const o101 = x1 + sx * y0 + sxy * z1;
        const o011 = x0 + sx * y1 + sxy * z1;
        const o111 = x1 + sx * y1 + sxy * z1;
        const w000 = (1 - dx) * (1 - dy) * (1 - dz);
        const w100 = dx * (1 - dy) * (1 - dz);
        const w010 = (1 - dx) * dy * (1 - dz);
        const w110 = dx * dy * (1 - dz);
        const w001 = (1 - dx) * (1 - dy) * dz;
        const w101 = dx * (1 - dy) * dz;
        const w011 = (1 - dx) * dy * dz;
        const w111 = dx * dy * dz;
        for (let c = 0; c < channels.length; c++) {
          const d = channels[c];
          values[c] =
            w000 * d[o000] + w100 * d[o100] + w010 * d[o010] + w110 * d[o110] +
            w001 * d[o001] + w101 * d[o101] + w011 * d[o011] + w111 * d[o111];
        }

        let best = 0;
        let bestScore = -1;
        for (let p = 0; p < prompts.length; p++) {
          const decision = prompts[p];
          let label = 0;
          let probability = 0;
          if (decision.activation === 'softmax') {
            let top = -Infinity;
            for (let q = 0; q < decision.candidates.length; q++) {
              const value = values[decision.candidates[q]];
              if (value > top) {
                top = value;
                label = decision.values[q];
              }
              if (decision.values[q] > 0 && value > probability) probability = value;
            }
          } else {
            let top = decision.threshold;
            for (let q = 0; q < decision.candidates.length; q++) {
              const value = values[decision.candidates[q]];
              if (value > probability) probability = value;
              if (value > top) {
                top = value;
                label = decision.values[q];
              }
            }
          }
          masks[p][v] = label;
          const prob = probabilities[p];
          if (prob) prob[v] = probability;
          on[p] = label > 0 ? 1 : 0;
          if (label > 0) {
            voxels[p]++;
            if (probability > bestScore) {
              bestScore = probability;
              best = p + 1;
            }
          }
        }
        merged[v] = best;
        if (prompts.length > 1 && best > 0) {
          for (let a = 0; a < prompts.length; a++) {
            if (!on[a]) continue;
            for (let b = a + 1; b < prompts.length; b++) if (on[b]) contested[a][b]++;
          }
        }
      }
    }
  }
  return {
    prompts: prompts.map((_, p) => ({ mask: masks[p], voxels: voxels[p], ...(probabilities[p] ? { probability: probabilities[p] } : {}) })),
    merged,
    contested,
  };
}

function clamp(x: number, max: number): number {
  return x < 0 ? 0 : x > max ? max : x;
}
