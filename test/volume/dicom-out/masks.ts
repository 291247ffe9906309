/** Test masks on a CT's grid: organ-sized ellipsoids with a cavity and a second island, a thresholded structure, an empty one. */
import type { OutputMask } from '../../../src/volume/dicom-out/index.ts';
import type { Volume } from '../../../src/volume/types.ts';
import { makeVolume } from '../../../src/volume/volume.ts';

type Vec3 = readonly [number, number, number];
interface Ellipsoid {
  readonly centre: Vec3;
  readonly radii: Vec3;
}

function inside(e: Ellipsoid, i: number, j: number, k: number): boolean {
  const d = [(i - e.centre[0]) / e.radii[0], (j - e.centre[1]) / e.radii[1], (k - e.centre[2]) / e.radii[2]];
  return d[0] * d[0] + d[1] * d[1] + d[2] * d[2] <= 1;
}

/** Value per voxel from `paint(i, j, k)` (0 = off), on the CT's grid. */
function paint(ct: Volume, fn: (i: number, j: number, k: number, p: number) => number): Volume<Uint8Array> {
  const [nx, ny, nz] = ct.shape;
  const data = new Uint8Array(nx * ny * nz);
  for (let k = 0, p = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, p++) data[p] = fn(i, j, k, p);
  return makeVolume(data, ct.shape, ct.affine);
}

// Voxel-index shapes for the 122 x 101 x 18 series (3 mm voxels): the "liver" is ~300 ml.
const LIVER: Ellipsoid = { centre: [38, 50, 9], radii: [22, 18, 8] };
const CAVITY: Ellipsoid = { centre: [38, 50, 9], radii: [5, 5, 3] };
const ISLAND: Ellipsoid = { centre: [95, 35, 9], radii: [8, 6, 4] };
const TUMOUR: Ellipsoid = { centre: [28, 45, 9], radii: [3, 3, 2] };
const KIDNEY_LEFT: Ellipsoid = { centre: [90, 70, 9], radii: [7, 9, 6] };
const KIDNEY_RIGHT: Ellipsoid = { centre: [30, 75, 9], radii: [7, 9, 6] };
const PANCREAS: Ellipsoid = { centre: [62, 60, 9], radii: [12, 4, 3] };

export function testMasks(ct: Volume): OutputMask[] {
  return [
    // A hole on the middle slices (the cavity) and two islands on the slices the island reaches.
    { prompt: 'liver', task: 'liver', labels: { liver: 1 }, mask: paint(ct, (i, j, k) => Number((inside(LIVER, i, j, k) && !inside(CAVITY, i, j, k)) || inside(ISLAND, i, j, k))) },
    // Real anatomy: bone (and contrast) above 200 HU, hundreds of islands and rings.
    { prompt: 'vertebrae', task: 'vertebrae', labels: { vertebrae: 1 }, mask: paint(ct, (_i, _j, _k, p) => Number(ct.data[p] > 200)) },
    { prompt: 'spleen', task: 'spleen', labels: { spleen: 1 }, mask: paint(ct, () => 0) },
    {
      prompt: 'kidneys',
      task: 'kidneys',
      labels: { kidney_left: 1, kidney_right: 2 },
      mask: paint(ct, (i, j, k) => (inside(KIDNEY_LEFT, i, j, k) ? 1 : inside(KIDNEY_RIGHT, i, j, k) ? 2 : 0)),
    },
    { prompt: 'liver tumour', task: 'liver_tumor', labels: { liver_tumor: 1 }, mask: paint(ct, (i, j, k) => Number(inside(TUMOUR, i, j, k))) },
    { prompt: 'pancreas', task: 'pancreas', labels: { pancreas: 1 }, mask: paint(ct, (i, j, k) => Number(inside(PANCREAS, i, j, k))) },
  ];
}
