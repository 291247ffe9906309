import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnisegError } from '../../src/errors.ts';
import { voxelToWorld } from '../../src/volume/affine.ts';
import { readVolume, writeVolume } from '../../src/volume/nifti/index.ts';
import { centredAffine, generatePhantom, PHANTOM_LABEL_NAMES, PHANTOM_LABELS } from '../../src/volume/phantom/index.ts';
import type { Volume } from '../../src/volume/types.ts';

/** Small grid keeps the suite fast: 64³ voxels of 6 mm still covers the 384 mm torso. */
const SMALL = { shape: [64, 64, 64] as const, spacing: [6, 6, 6] as const };
const VALUE = Object.fromEntries(PHANTOM_LABELS.map((l) => [l.name, l.value])) as Record<string, number>;

interface LabelSummary {
  count: number;
  /** World (RAS+ mm) centroid, from the affine, not from array indices. */
  centroid: [number, number, number];
  meanHu: number;
}

function summarise(labels: Volume, ct?: Volume): Map<number, LabelSummary> {
  const [nx, ny, nz] = labels.shape;
  const acc = new Map<number, { n: number; x: number; y: number; z: number; hu: number }>();
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const idx = i + nx * (j + ny * k);
        const label = labels.data[idx];
        let a = acc.get(label);
        if (!a) acc.set(label, (a = { n: 0, x: 0, y: 0, z: 0, hu: 0 }));
        const w = voxelToWorld(labels.affine, [i, j, k]);
        a.n++;
        a.x += w[0];
        a.y += w[1];
        a.z += w[2];
        a.hu += ct ? ct.data[idx] : 0;
      }
    }
  }
  const out = new Map<number, LabelSummary>();
  for (const [label, a] of acc) out.set(label, { count: a.n, centroid: [a.x / a.n, a.y / a.n, a.z / a.n], meanHu: a.hu / a.n });
  return out;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'uniseg-phantom-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('generatePhantom', () => {
  it('exports the label table with the agreed values', () => {
    expect(PHANTOM_LABEL_NAMES).toEqual({
      1: 'body',
      2: 'lung_left',
      3: 'lung_right',
      4: 'liver',
      5: 'spleen',
      6: 'kidney_left',
      7: 'kidney_right',
      8: 'aorta',
      9: 'vertebrae',
      10: 'liver_tumor',
      11: 'kidney_tumor',
    });
    expect(generatePhantom({ seed: 0, ...SMALL }).labelNames).toEqual(PHANTOM_LABEL_NAMES);
  });

  it('gives different anatomy for different seeds', () => {
    const a = summarise(generatePhantom({ seed: 1, ...SMALL }).labels);
    const b = summarise(generatePhantom({ seed: 2, ...SMALL }).labels);
    for (const organ of ['liver', 'spleen', 'kidney_left', 'kidney_right']) {
      const ca = a.get(VALUE[organ])!;
      const cb = b.get(VALUE[organ])!;
      expect(ca.count, organ).not.toBe(cb.count);
      expect(Math.hypot(ca.centroid[0] - cb.centroid[0], ca.centroid[1] - cb.centroid[1], ca.centroid[2] - cb.centroid[2]), organ).toBeGreaterThan(1);
    }
  });

  it('writes byte-identical files for one seed', async () => {
    const paths: string[][] = [];
    for (const run of [0, 1]) {
      const p = generatePhantom({ seed: 42, ...SMALL, orientation: 'LPS' });
      const ct = join(dir, `same-${run}-ct.nii.gz`);
      const labels = join(dir, `same-${run}-labels.nii.gz`);
      await writeVolume(ct, p.ct);
      await writeVolume(labels, p.labels);
      paths.push([ct, labels]);
    }
    for (const n of [0, 1]) {
      const [first, second] = await Promise.all([readFile(paths[0][n]), readFile(paths[1][n])]);
      expect(first.equals(second)).toBe(true);
    }
  });

  it.each(['RAS', 'LPS', 'LAS'])('puts organs on the anatomically correct side in world space when written as %s', async (orientation) => {
    const p = generatePhantom({ seed: 7, ...SMALL, orientation });
    const ctPath = join(dir, `side-${orientation}-ct.nii.gz`);
    const labelsPath = join(dir, `side-${orientation}-labels.nii.gz`);
    await writeVolume(ctPath, p.ct);
    await writeVolume(labelsPath, p.labels);
    const labels = await readVolume(labelsPath);
    const ct = await readVolume(ctPath);
    expect(labels.orientation.join('')).toBe(orientation);
    expect(labels.source?.datatype).toBe('uint8');
    expect(ct.source?.datatype).toBe('int16');

    const s = summarise(labels);
    const x = (organ: string) => s.get(VALUE[organ])!.centroid[0];
    // RAS+: +x is the patient's right.
    expect(x('kidney_left')).toBeLessThan(x('kidney_right'));
    expect(x('lung_left')).toBeLessThan(x('lung_right'));
    expect(x('liver')).toBeGreaterThan(0);
    expect(x('liver')).toBeGreaterThan(x('spleen'));
    expect(x('aorta')).toBeLessThan(0);
    // Posterior structures have negative y, the lungs sit superior to the kidneys.
    expect(s.get(VALUE.vertebrae)!.centroid[1]).toBeLessThan(0);
    expect(s.get(VALUE.kidney_left)!.centroid[1]).toBeLessThan(0);
    expect(s.get(VALUE.lung_right)!.centroid[2]).toBeGreaterThan(s.get(VALUE.kidney_right)!.centroid[2]);
  });

  it.each(['LPS', 'PIR'])('places the same anatomy in world space when the file axes are %s', (orientation) => {
    // On a cubic grid centred at the origin every orientation has the same set of voxel centres,
    // so labelling by world position must give identical label volumes and centroids.
    const ras = summarise(generatePhantom({ seed: 7, ...SMALL, orientation: 'RAS' }).labels);
    const other = summarise(generatePhantom({ seed: 7, ...SMALL, orientation }).labels);
    for (const { value, name } of PHANTOM_LABELS) {
      const a = ras.get(value);
      const b = other.get(value);
      expect(a?.count, name).toBe(b?.count);
      if (a && b) for (let n = 0; n < 3; n++) expect(Math.abs(a.centroid[n] - b.centroid[n]), name).toBeLessThan(0.5);
    }
  });

  it('has every label and plausible HU per organ at the default size', () => {
    const p = generatePhantom({ seed: 0 });
    expect(p.ct.shape).toEqual([128, 128, 128]);
    expect(p.ct.spacing).toEqual([3, 3, 3]);
    expect(p.ct.orientation.join('')).toBe('RAS');
    expect(p.ct.affine).toEqual(centredAffine([128, 128, 128], [3, 3, 3], ['R', 'A', 'S']));
    const s = summarise(p.labels, p.ct);
    for (const { value, name } of PHANTOM_LABELS) expect(s.get(value)?.count ?? 0, name).toBeGreaterThan(0);
    const hu = (name: string) => s.get(name === 'background' ? 0 : VALUE[name])!.meanHu;
    const ranges: Record<string, [number, number]> = {
      background: [-1024, -960],
      body: [-200, 100],
      lung_left: [-900, -750],
      lung_right: [-900, -750],
      liver: [80, 125],
      spleen: [95, 150],
      kidney_left: [120, 200],
      kidney_right: [120, 200],
      aorta: [150, 230],
      vertebrae: [250, 1000],
      liver_tumor: [20, 70],
      kidney_tumor: [45, 100],
    };
    for (const [name, [lo, hi]] of Object.entries(ranges)) {
      expect(hu(name), name).toBeGreaterThanOrEqual(lo);
      expect(hu(name), name).toBeLessThanOrEqual(hi);
    }
    expect(hu('liver_tumor')).toBeLessThan(hu('liver') - 30);
    expect(hu('liver')).toBeLessThan(hu('spleen'));
    expect(hu('spleen')).toBeLessThan(hu('kidney_left'));
    let min = Infinity;
    let max = -Infinity;
    for (const v of p.ct.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(-1024);
    expect(max).toBeLessThanOrEqual(3071);
  });

  it('always has the non-tumour labels', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const counts = new Uint32Array(256);
      for (const v of generatePhantom({ seed, ...SMALL }).labels.data) counts[v]++;
      for (let value = 1; value <= 9; value++) expect(counts[value], `seed ${seed} label ${value}`).toBeGreaterThan(0);
      expect(counts.slice(12).every((c) => c === 0), `seed ${seed}: no value above 11`).toBe(true);
    }
  });

  it('rejects bad options with INVALID_ARGUMENT naming the field', () => {
    const bad = [
      { seed: 1.5 },
      { seed: 0, shape: [64, 0, 64] as const },
      { seed: 0, spacing: [3, -1, 3] as const },
      { seed: 0, orientation: 'RAX' },
    ];
    for (const options of bad) {
      let error: unknown;
      try {
        generatePhantom(options);
      } catch (e) {
        error = e;
      }
      expect(isUnisegError(error, 'INVALID_ARGUMENT'), JSON.stringify(options)).toBe(true);
    }
  });
});
