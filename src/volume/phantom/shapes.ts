/**
 * Solid primitives in world RAS+ millimetres. Each has a centre, a rotation whose columns are its
 * local axes in world space, and local semi-axes; the anatomy is a painted sequence of these.
 */
import type { WorldMm } from '../types.ts';

/** 3x3 rotation, rows of world coordinates; column c is local axis c expressed in world space. */
export type Mat3 = readonly [readonly [number, number, number], readonly [number, number, number], readonly [number, number, number]];

interface ShapeBase {
  readonly centre: WorldMm;
  readonly rotation: Mat3;
}

/** (x/a)² + (y/b)² + (z/c)² <= 1 in local coordinates. */
export interface Ellipsoid extends ShapeBase {
  readonly kind: 'ellipsoid';
  readonly radii: readonly [number, number, number];
}

/** Elliptic cross-section (a, b) in the local xy-plane, flat caps at |z| <= halfLength. */
export interface Cylinder extends ShapeBase {
  readonly kind: 'cylinder';
  readonly radii: readonly [number, number];
  readonly halfLength: number;
}

/**
 * A tube of radius `tube` following the ellipse (a, b) in the local xy-plane: ribs. Open where
 * local y > maxY (the cartilage gap in front) and where y < 0 and |x| < posteriorGap (the spine).
 */
export interface Ring extends ShapeBase {
  readonly kind: 'ring';
  readonly radii: readonly [number, number];
  readonly tube: number;
  readonly maxY: number;
  readonly posteriorGap: number;
}

export type Shape = Ellipsoid | Cylinder | Ring;

export const IDENTITY: Mat3 = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

const DEG = Math.PI / 180;

/** Rotation applied as x, then y, then z (degrees, right-handed about world axes). */
export function rotation(xDeg: number, yDeg: number, zDeg: number): Mat3 {
  const [cx, sx] = [Math.cos(xDeg * DEG), Math.sin(xDeg * DEG)];
  const [cy, sy] = [Math.cos(yDeg * DEG), Math.sin(yDeg * DEG)];
  const [cz, sz] = [Math.cos(zDeg * DEG), Math.sin(zDeg * DEG)];
  // Rz · Ry · Rx written out.
  return [
    [cz * cy, cz * sy * sx - sz * cx, cz * sy * cx + sz * sx],
    [sz * cy, sz * sy * sx + cz * cx, sz * sy * cx - cz * sx],
    [-sy, cy * sx, cy * cx],
  ];
}

/** World point → shape-local point. */
export function toLocal(shape: Shape, p: WorldMm): [number, number, number] {
  const d = [p[0] - shape.centre[0], p[1] - shape.centre[1], p[2] - shape.centre[2]];
  const r = shape.rotation;
  return [
    r[0][0] * d[0] + r[1][0] * d[1] + r[2][0] * d[2],
    r[0][1] * d[0] + r[1][1] * d[1] + r[2][1] * d[2],
    r[0][2] * d[0] + r[1][2] * d[1] + r[2][2] * d[2],
  ];
}

/** Shape-local point → world point. */
export function toWorld(shape: Pick<Shape, 'centre' | 'rotation'>, l: readonly [number, number, number]): WorldMm {
  const r = shape.rotation;
  const c = shape.centre;
  return [
    c[0] + r[0][0] * l[0] + r[0][1] * l[1] + r[0][2] * l[2],
    c[1] + r[1][0] * l[0] + r[1][1] * l[1] + r[1][2] * l[2],
    c[2] + r[2][0] * l[0] + r[2][1] * l[1] + r[2][2] * l[2],
  ];
}

/** Inside test on local coordinates; the rasteriser solves the same inequalities per row. */
export function containsLocal(shape: Shape, x: number, y: number, z: number): boolean {
  switch (shape.kind) {
    case 'ellipsoid': {
      const [a, b, c] = shape.radii;
      return (x / a) ** 2 + (y / b) ** 2 + (z / c) ** 2 <= 1;
    }
    case 'cylinder': {
      const [a, b] = shape.radii;
      return Math.abs(z) <= shape.halfLength && (x / a) ** 2 + (y / b) ** 2 <= 1;
    }
    case 'ring': {
      if (Math.abs(z) > shape.tube || y > shape.maxY) return false;
      if (y < 0 && Math.abs(x) < shape.posteriorGap) return false;
      const [a, b] = shape.radii;
      const off = (Math.sqrt((x / a) ** 2 + (y / b) ** 2) - 1) * 0.5 * (a + b);
      return off * off + z * z <= shape.tube * shape.tube;
    }
  }
}

export function contains(shape: Shape, p: WorldMm): boolean {
  const [x, y, z] = toLocal(shape, p);
  return containsLocal(shape, x, y, z);
}

/** Half-extents of the local box that encloses the shape. */
function localHalfExtents(shape: Shape): [number, number, number] {
  switch (shape.kind) {
    case 'ellipsoid':
      return [...shape.radii];
    case 'cylinder':
      return [shape.radii[0], shape.radii[1], shape.halfLength];
    case 'ring': {
      const grow = shape.tube * (1 + 0.5 * Math.max(shape.radii[0], shape.radii[1]) / Math.min(shape.radii[0], shape.radii[1]));
      return [shape.radii[0] + grow, shape.radii[1] + grow, shape.tube];
    }
  }
}

/** World axis-aligned bounding box [min, max] (exact for ellipsoids, a safe box otherwise). */
export function worldBounds(shape: Shape): [WorldMm, WorldMm] {
  const h = localHalfExtents(shape);
  const r = shape.rotation;
  const half = [0, 1, 2].map((w) =>
    shape.kind === 'ellipsoid'
      ? Math.hypot(r[w][0] * h[0], r[w][1] * h[1], r[w][2] * h[2])
      : Math.abs(r[w][0]) * h[0] + Math.abs(r[w][1]) * h[1] + Math.abs(r[w][2]) * h[2],
  );
  const c = shape.centre;
  return [
    [c[0] - half[0], c[1] - half[1], c[2] - half[2]],
    [c[0] + half[0], c[1] + half[1], c[2] + half[2]],
  ];
}
