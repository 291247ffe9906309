/**
 * Paints world-space shapes onto a voxel grid, labelling by voxel centre. Each shape is visited
 * only inside its voxel bounding box, and along every row (fixed j, k) the shape's local
 * coordinates are linear in i, so ellipsoids and cylinders reduce to solving one quadratic per
 * row and filling the resulting span; only ribs need a per-voxel test.
 */
import { invertAffine } from "../affine.js";
import { containsLocal, worldBounds } from "./shapes.js";
export function createCanvas(shape, affine, backgroundHu) {
    const count = shape[0] * shape[1] * shape[2];
    return { shape, affine, labels: new Uint8Array(count), hu: new Int16Array(count).fill(backgroundHu) };
}
/** Half-open interval of i' (offset from the row start) where q(i') = A i'^2 + B i' + C <= 1. */
function quadraticSpan(qa, qb, qc, span) {
    if (qa < 1e-18) {
        // The row runs parallel to the axes involved: all in or all out.
        return qc <= 1;
    }
    const disc = qb * qb - 4 * qa * (qc - 1);
    if (disc < 0)
        return false;
    const root = Math.sqrt(disc);
    span[0] = Math.max(span[0], (-qb - root) / (2 * qa));
    span[1] = Math.min(span[1], (-qb + root) / (2 * qa));
    return span[0] <= span[1];
}
/** Restricts the span to |p + i' d| <= h. */
function slabSpan(p, d, h, span) {
    if (Math.abs(d) < 1e-12)
        return Math.abs(p) <= h;
    const t0 = (-h - p) / d;
    const t1 = (h - p) / d;
    span[0] = Math.max(span[0], Math.min(t0, t1));
    span[1] = Math.min(span[1], Math.max(t0, t1));
    return span[0] <= span[1];
}
export function paint(canvas, op) {
    const [nx, ny, nz] = canvas.shape;
    const { shape } = op;
    const inv = invertAffine(canvas.affine);
    // Voxel bounding box of the shape's world bounding box (all 8 corners, since the affine may permute and flip axes).
    const [lo, hi] = worldBounds(shape);
    const vmin = [Infinity, Infinity, Infinity];
    const vmax = [-Infinity, -Infinity, -Infinity];
    for (let corner = 0; corner < 8; corner++) {
        const w = [corner & 1 ? hi[0] : lo[0], corner & 2 ? hi[1] : lo[1], corner & 4 ? hi[2] : lo[2]];
        for (let a = 0; a < 3; a++) {
            const v = inv[a][0] * w[0] + inv[a][1] * w[1] + inv[a][2] * w[2] + inv[a][3];
            vmin[a] = Math.min(vmin[a], v);
            vmax[a] = Math.max(vmax[a], v);
        }
    }
    const i0 = Math.max(0, Math.floor(vmin[0]));
    const i1 = Math.min(nx - 1, Math.ceil(vmax[0]));
    const j0 = Math.max(0, Math.floor(vmin[1]));
    const j1 = Math.min(ny - 1, Math.ceil(vmax[1]));
    const k0 = Math.max(0, Math.floor(vmin[2]));
    const k1 = Math.min(nz - 1, Math.ceil(vmax[2]));
    if (i0 > i1 || j0 > j1 || k0 > k1)
        return;
    // voxel → local: L = Rᵀ (M v + t − c); column a of Rᵀ M is the local step per voxel along axis a.
    const m = canvas.affine;
    const r = shape.rotation;
    const step = [0, 1, 2].map((a) => [0, 1, 2].map((l) => r[0][l] * m[0][a] + r[1][l] * m[1][a] + r[2][l] * m[2][a]));
    const t = [0, 1, 2].map((w) => m[w][3] - shape.centre[w]);
    const origin = [0, 1, 2].map((l) => r[0][l] * t[0] + r[1][l] * t[1] + r[2][l] * t[2]);
    const [di, dj, dk] = step;
    const allowed = new Uint8Array(256);
    if (op.within)
        for (const label of op.within)
            allowed[label] = 1;
    else
        allowed.fill(1);
    const { labels, hu } = canvas;
    const writeLabel = op.label !== undefined;
    const writeHu = op.hu !== undefined;
    const labelValue = op.label ?? 0;
    const huValue = op.hu ?? 0;
    const span = [0, 0];
    const last = i1 - i0;
    for (let k = k0; k <= k1; k++) {
        for (let j = j0; j <= j1; j++) {
            // Local coordinates of voxel (i0, j, k).
            const px = origin[0] + i0 * di[0] + j * dj[0] + k * dk[0];
            const py = origin[1] + i0 * di[1] + j * dj[1] + k * dk[1];
            const pz = origin[2] + i0 * di[2] + j * dj[2] + k * dk[2];
            span[0] = 0;
            span[1] = last;
            let ok;
            let perVoxel = false;
            if (shape.kind === 'ellipsoid') {
                const [a, b, c] = shape.radii;
                const ax = di[0] / a, ay = di[1] / b, az = di[2] / c;
                const bx = px / a, by = py / b, bz = pz / c;
                ok = quadraticSpan(ax * ax + ay * ay + az * az, 2 * (ax * bx + ay * by + az * bz), bx * bx + by * by + bz * bz, span);
            }
            else if (shape.kind === 'cylinder') {
                const [a, b] = shape.radii;
                const ax = di[0] / a, ay = di[1] / b;
                const bx = px / a, by = py / b;
                ok = slabSpan(pz, di[2], shape.halfLength, span) && quadraticSpan(ax * ax + ay * ay, 2 * (ax * bx + ay * by), bx * bx + by * by, span);
            }
            else {
                ok = slabSpan(pz, di[2], shape.tube, span);
                perVoxel = true;
            }
            if (!ok)
                continue;
            const s0 = Math.max(0, Math.ceil(span[0] - 1e-9));
            const s1 = Math.min(last, Math.floor(span[1] + 1e-9));
            const row = nx * (j + ny * k) + i0;
            for (let s = s0; s <= s1; s++) {
                const idx = row + s;
                if (allowed[labels[idx]] === 0)
                    continue;
                if (perVoxel && !containsLocal(shape, px + s * di[0], py + s * di[1], pz + s * di[2]))
                    continue;
                if (writeLabel)
                    labels[idx] = labelValue;
                if (writeHu)
                    hu[idx] = huValue;
            }
        }
    }
}
