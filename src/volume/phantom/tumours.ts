/**
 * Tumours: usually present, 10–35 mm across, placed by world-space geometry only (never by
 * looking at voxels) so one seed puts them in the same place on every grid. Each is clipped to its
 * organ's voxels, which keeps it inside the organ by construction.
 */
import type { WorldMm } from '../types.ts';
import { ellipsoid, unitBall } from './frame.ts';
import { labelValue, type PhantomLabelName } from './labels.ts';
import type { KidneyParts, LiverParts } from './organs.ts';
import type { PaintOp } from './rasterize.ts';
import type { Rng } from './rng.ts';
import { contains, rotation, toWorld, type Ellipsoid, type Shape } from './shapes.ts';
import type { TissueHu } from './tissue.ts';

export interface TumourSpec {
  readonly label: PhantomLabelName;
  readonly centre: WorldMm;
  readonly diameterMm: number;
}

const LIVER_TUMOUR_PROBABILITY = 0.85;
const KIDNEY_TUMOUR_PROBABILITY = 0.75;

/** A point inside `host` (within `depth` of its normalised radius) that avoids every shape in `avoid`; undefined if none found. */
function pickCentre(rng: Rng, host: Ellipsoid, depth: number, avoid: readonly Shape[]): WorldMm | undefined {
  for (let attempt = 0; attempt < 40; attempt++) {
    const u = unitBall(rng);
    const p = toWorld(host, [u[0] * host.radii[0] * depth, u[1] * host.radii[1] * depth, u[2] * host.radii[2] * depth]);
    if (!avoid.some((shape) => contains(shape, p))) return p;
  }
  return undefined;
}

function lesion(rng: Rng, centre: WorldMm, diameter: number): Ellipsoid {
  const r = diameter / 2;
  return ellipsoid(centre, [r * rng.uniform(0.85, 1.15), r * rng.uniform(0.85, 1.15), r * rng.uniform(0.85, 1.15)], rotation(rng.uniform(0, 180), rng.uniform(0, 180), 0));
}

export function tumourOps(
  rng: Rng,
  hu: TissueHu,
  liver: LiverParts,
  kidneys: readonly [KidneyParts, KidneyParts],
  ivc: Shape,
): { ops: PaintOp[]; tumours: TumourSpec[] } {
  const ops: PaintOp[] = [];
  const tumours: TumourSpec[] = [];

  const lr = rng.fork('liver_tumor');
  if (lr.chance(LIVER_TUMOUR_PROBABILITY)) {
    const count = lr.chance(0.3) ? 2 : 1;
    // Kidneys, their fat and the IVC cut into the liver's ellipsoids: keep lesions out of them.
    const avoid: Shape[] = [ivc, ...kidneys.map((k) => k.capsule)];
    for (let n = 0; n < count; n++) {
      const lobe = lr.chance(0.8) ? liver.lobes[0] : liver.lobes[1];
      const diameter = lr.uniform(10, 35);
      const centre = pickCentre(lr, lobe, 0.6, avoid);
      if (!centre) continue;
      const shape = lesion(lr, centre, diameter);
      const value = labelValue('liver_tumor');
      ops.push({ shape, label: value, hu: hu.liverTumour, within: [labelValue('liver')] });
      // Larger lesions often have a darker necrotic centre.
      if (diameter > 25) ops.push({ shape: ellipsoid(centre, shape.radii.map((v) => v * 0.45) as [number, number, number], shape.rotation), hu: hu.liverTumour - 15, within: [value] });
      tumours.push({ label: 'liver_tumor', centre, diameterMm: diameter });
    }
  }

  const kr = rng.fork('kidney_tumor');
  if (kr.chance(KIDNEY_TUMOUR_PROBABILITY)) {
    const index = kr.chance(0.5) ? 0 : 1;
    const parts = kidneys[index];
    const diameter = kr.uniform(10, 35);
    const centre = pickCentre(kr, parts.kidney, 0.55, [parts.sinus]);
    if (centre) {
      const organ = index === 0 ? 'kidney_left' : 'kidney_right';
      ops.push({ shape: lesion(kr, centre, diameter), label: labelValue('kidney_tumor'), hu: hu.kidneyTumour, within: [labelValue(organ)] });
      tumours.push({ label: 'kidney_tumor', centre, diameterMm: diameter });
    }
  }
  return { ops, tumours };
}
