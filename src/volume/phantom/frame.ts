/**
 * The per-seed body frame every organ is placed in: torso size, wall thicknesses and a global
 * shift. Organ positions are written for a reference torso (340 x 240 mm) and mapped through
 * `place`, so a slimmer or wider patient carries its organs with it instead of cutting them off.
 */
import type { WorldMm } from '../types.ts';
import type { PhantomLabelName } from './labels.ts';
import { labelValue } from './labels.ts';
import type { Rng } from './rng.ts';
import { IDENTITY, rotation, type Cylinder, type Ellipsoid, type Mat3 } from './shapes.ts';

/**
 * Internal label for the body cavity (inside the muscle wall). Organs are painted only over the
 * cavity, so they never cross the body wall; it becomes `body` when painting is done.
 */
export const CAVITY = 255;

export interface BodyFrame {
  /** Torso semi-axes (mm): left-right and antero-posterior. */
  readonly halfWidth: number;
  readonly halfDepth: number;
  /** Body centre y (mm); x is 0, z runs the full length. */
  readonly centreY: number;
  readonly fat: number;
  readonly muscle: number;
  /** Torso size relative to the reference. */
  readonly scaleX: number;
  readonly scaleY: number;
  /** Global organ shift (mm). */
  readonly shift: WorldMm;
  /** Vertebral body centre line (x, y) and vertebral body semi-axes. */
  readonly spineX: number;
  readonly spineY: number;
  readonly vertebraA: number;
  readonly vertebraB: number;
}

export const REFERENCE_HALF_WIDTH = 170;
export const REFERENCE_HALF_DEPTH = 120;

/** Gaussian clipped to ±2.5 sd so no seed throws an organ out of the torso. */
export function jitter(rng: Rng, sd: number): number {
  return Math.max(-2.5 * sd, Math.min(2.5 * sd, rng.normal(0, sd)));
}

export function drawBodyFrame(rng: Rng): BodyFrame {
  const halfWidth = REFERENCE_HALF_WIDTH * rng.uniform(0.88, 1.08);
  const halfDepth = REFERENCE_HALF_DEPTH * rng.uniform(0.88, 1.1);
  const scaleX = halfWidth / REFERENCE_HALF_WIDTH;
  const scaleY = halfDepth / REFERENCE_HALF_DEPTH;
  const centreY = jitter(rng, 4);
  const shift: WorldMm = [jitter(rng, 5), jitter(rng, 4), jitter(rng, 12)];
  return {
    halfWidth,
    halfDepth,
    centreY,
    fat: rng.uniform(8, 28),
    muscle: rng.uniform(8, 14),
    scaleX,
    scaleY,
    shift,
    spineX: shift[0] * 0.3,
    // The vertebral body centre sits about 78 mm in front of the back skin in the reference torso.
    spineY: centreY - halfDepth + 78 * scaleY + shift[1] * 0.5,
    vertebraA: rng.uniform(20, 24) * Math.sqrt(scaleX),
    vertebraB: rng.uniform(15, 18) * Math.sqrt(scaleY),
  };
}

/** Reference-torso coordinates (mm) → world, for this patient. */
export function place(frame: BodyFrame, x: number, y: number, z: number): WorldMm {
  return [x * frame.scaleX + frame.shift[0], frame.centreY + y * frame.scaleY + frame.shift[1], z + frame.shift[2]];
}

export function offset(p: WorldMm, d: readonly [number, number, number]): WorldMm {
  return [p[0] + d[0], p[1] + d[1], p[2] + d[2]];
}

export function ellipsoid(centre: WorldMm, radii: readonly [number, number, number], rotation: Mat3 = IDENTITY): Ellipsoid {
  return { kind: 'ellipsoid', centre, radii, rotation };
}

export function cylinder(centre: WorldMm, radii: readonly [number, number], halfLength: number, rotation: Mat3 = IDENTITY): Cylinder {
  return { kind: 'cylinder', centre, radii, halfLength, rotation };
}

/** Label names → values, plus the internal cavity label, for `within` lists. */
export function labels(...names: (PhantomLabelName | 'cavity')[]): number[] {
  return names.map((n) => (n === 'cavity' ? CAVITY : labelValue(n)));
}

/** A uniformly random point in the unit ball (rejection sampling). */
export function unitBall(rng: Rng): [number, number, number] {
  for (;;) {
    const p: [number, number, number] = [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)];
    if (p[0] * p[0] + p[1] * p[1] + p[2] * p[2] <= 1) return p;
  }
}

/** A random rotation with the given spread (degrees) about each world axis. */
export function wobble(rng: Rng, xDeg: number, yDeg: number, zDeg: number): Mat3 {
  return rotation(jitter(rng, xDeg), jitter(rng, yDeg), jitter(rng, zDeg));
}
