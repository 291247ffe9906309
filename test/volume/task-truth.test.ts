import { describe, expect, it } from 'vitest';
import { voxelToWorld } from '../../src/volume/affine.ts';
import { generatePhantom } from '../../src/volume/phantom/index.ts';
import { labelValue } from '../../src/volume/phantom/labels.ts';
import { taskTruth } from '../../src/volume/phantom/truth.ts';
import type { Volume } from '../../src/volume/types.ts';

function count(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) n += v;
  return n;
}

/** World (mm) centroid of the voxels where `pick(i)` holds. */
function centroid(vol: Volume<Uint8Array>, pick: (i: number) => boolean): [number, number, number] {
  const [nx, ny] = vol.shape;
  const sum = [0, 0, 0];
  let n = 0;
  for (let i = 0; i < vol.data.length; i++) {
    if (!pick(i)) continue;
    const w = voxelToWorld(vol.affine, [i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))] as never);
    for (let a = 0; a < 3; a++) sum[a] += w[a];
    n++;
  }
  return [sum[0] / n, sum[1] / n, sum[2] / n];
}

const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

describe('task ground truth on phantoms (organs include their tumours)', () => {
  // The first seeds with a kidney tumour, found once; the phantom is seeded so this is stable.
  const seed = [1, 2, 3, 4, 5, 6, 7, 8].find((s) => generatePhantom({ seed: s, shape: [96, 96, 72], spacing: [4, 4, 4] }).tumours.some((t) => t.label === 'kidney_tumor'))!;

  it('gives each kidney tumour to the kidney it lies in, the same way in RAS and LPS files', () => {
    for (const orientation of ['RAS', 'LPS']) {
      const { labels } = generatePhantom({ seed, shape: [96, 96, 72], spacing: [4, 4, 4], orientation });
      const tumour = labelValue('kidney_tumor');
      const left = taskTruth(labels, ['kidney_left']);
      const right = taskTruth(labels, ['kidney_right']);
      let tumourVoxels = 0;
      for (let i = 0; i < labels.data.length; i++) {
        if (labels.data[i] === tumour) {
          tumourVoxels++;
          expect(left[i] + right[i]).toBe(1);
        }
        if (labels.data[i] === labelValue('kidney_left')) expect(left[i]).toBe(1);
        if (labels.data[i] === labelValue('liver')) expect(left[i] + right[i]).toBe(0);
      }
      expect(tumourVoxels).toBeGreaterThan(0);
      // Every tumour voxel assigned left is nearer the left kidney's centroid than the right's.
      const cl = centroid(labels, (i) => labels.data[i] === labelValue('kidney_left'));
      const cr = centroid(labels, (i) => labels.data[i] === labelValue('kidney_right'));
      for (const [mask, near, far] of [[left, cl, cr], [right, cr, cl]] as const) {
        const ct = centroid(labels, (i) => labels.data[i] === tumour && mask[i] === 1);
        if (!Number.isNaN(ct[0])) expect(dist(ct, near)).toBeLessThan(dist(ct, far));
      }
      const both = taskTruth(labels, ['kidneys']);
      expect(count(both)).toBe(count(left) + count(right));
    }
  });

  it('adds the liver tumour to the liver, groups the lungs, and falls back to label names', () => {
    const { labels } = generatePhantom({ seed, shape: [64, 64, 48], spacing: [6, 6, 6] });
    const n = (v: number) => labels.data.filter((x) => x === v).length;
    expect(count(taskTruth(labels, ['liver']))).toBe(n(labelValue('liver')) + n(labelValue('liver_tumor')));
    expect(count(taskTruth(labels, ['lungs']))).toBe(n(labelValue('lung_left')) + n(labelValue('lung_right')));
    expect(count(taskTruth(labels, ['aorta']))).toBe(n(labelValue('aorta')));
    expect(count(taskTruth(labels, ['liver_tumor']))).toBe(n(labelValue('liver_tumor')));
    expect(count(taskTruth(labels, ['femur']))).toBe(0);
  });
});
