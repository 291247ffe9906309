export const IDENTITY = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
];
const DEG = Math.PI / 180;
/** Rotation applied as x, then y, then z (degrees, right-handed about world axes). */
export function rotation(xDeg, yDeg, zDeg) {
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
export function toLocal(shape, p) {
    const d = [p[0] - shape.centre[0], p[1] - shape.centre[1], p[2] - shape.centre[2]];
    const r = shape.rotation;
    return [
        r[0][0] * d[0] + r[1][0] * d[1] + r[2][0] * d[2],
        r[0][1] * d[0] + r[1][1] * d[1] + r[2][1] * d[2],
        r[0][2] * d[0] + r[1][2] * d[1] + r[2][2] * d[2],
    ];
}
/** Shape-local point → world point. */
export function toWorld(shape, l) {
    const r = shape.rotation;
    const c = shape.centre;
    return [
        c[0] + r[0][0] * l[0] + r[0][1] * l[1] + r[0][2] * l[2],
        c[1] + r[1][0] * l[0] + r[1][1] * l[1] + r[1][2] * l[2],
        c[2] + r[2][0] * l[0] + r[2][1] * l[1] + r[2][2] * l[2],
    ];
}
/** Inside test on local coordinates; the rasteriser solves the same inequalities per row. */
export function containsLocal(shape, x, y, z) {
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
            if (Math.abs(z) > shape.tube || y > shape.maxY)
                return false;
            if (y < 0 && Math.abs(x) < shape.posteriorGap)
                return false;
            const [a, b] = shape.radii;
            const off = (Math.sqrt((x / a) ** 2 + (y / b) ** 2) - 1) * 0.5 * (a + b);
            return off * off + z * z <= shape.tube * shape.tube;
        }
    }
}
export function contains(shape, p) {
    const [x, y, z] = toLocal(shape, p);
    return containsLocal(shape, x, y, z);
}
/** Half-extents of the local box that encloses the shape. */
function localHalfExtents(shape) {
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
export function worldBounds(shape) {
    const h = localHalfExtents(shape);
    const r = shape.rotation;
    const half = [0, 1, 2].map((w) => shape.kind === 'ellipsoid'
        ? Math.hypot(r[w][0] * h[0], r[w][1] * h[1], r[w][2] * h[2])
        : Math.abs(r[w][0]) * h[0] + Math.abs(r[w][1]) * h[1] + Math.abs(r[w][2]) * h[2]);
    const c = shape.centre;
    return [
        [c[0] - half[0], c[1] - half[1], c[2] - half[2]],
        [c[0] + half[0], c[1] + half[1], c[2] + half[2]],
    ];
}
