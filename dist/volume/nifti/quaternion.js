/**
 * The qform's rotation: NIfTI stores a unit quaternion (a, b, c, d) as b, c, d only, with a >= 0
 * implied, plus qfac = ±1 which flips the third axis so that left-handed grids fit a proper
 * rotation. These helpers go both ways.
 */
/**
 * Rotation matrix of the quaternion (a, b, c, d) with a = sqrt(1 - b² - c² - d²). Returns
 * undefined when b² + c² + d² exceeds 1 by more than `tolerance` (not a unit quaternion); a tiny
 * excess is rounding and means a = 0 (a 180° rotation), as nibabel treats it.
 */
export function quaternionToMatrix(b, c, d, tolerance) {
    const a2 = 1 - (b * b + c * c + d * d);
    if (!(a2 >= -tolerance))
        return undefined;
    const a = a2 > 0 ? Math.sqrt(a2) : 0;
    // Normalise by the actual squared norm so that rounding in the stored b, c, d cannot make the
    // matrix slightly non-orthogonal.
    const n = a * a + b * b + c * c + d * d;
    const s = 2 / n;
    return [
        [1 - s * (c * c + d * d), s * (b * c - a * d), s * (b * d + a * c)],
        [s * (b * c + a * d), 1 - s * (b * b + d * d), s * (c * d - a * b)],
        [s * (b * d - a * c), s * (c * d + a * b), 1 - s * (b * b + c * c)],
    ];
}
/**
 * Unit quaternion (a, b, c, d), a >= 0, of a proper rotation matrix. Picks the numerically
 * largest of the four components first (from the trace or a diagonal entry) and derives the rest
 * from off-diagonal sums, so no component is found by a square root of a near-zero difference.
 */
export function matrixToQuaternion(r) {
    const [[r00, r01, r02], [r10, r11, r12], [r20, r21, r22]] = r;
    const trace = r00 + r11 + r22;
    let q;
    if (trace >= r00 && trace >= r11 && trace >= r22) {
        const a = 0.5 * Math.sqrt(Math.max(0, 1 + trace));
        const f = 0.25 / a;
        q = [a, (r21 - r12) * f, (r02 - r20) * f, (r10 - r01) * f];
    }
    else if (r00 >= r11 && r00 >= r22) {
        const b = 0.5 * Math.sqrt(Math.max(0, 1 + r00 - r11 - r22));
        const f = 0.25 / b;
        q = [(r21 - r12) * f, b, (r01 + r10) * f, (r02 + r20) * f];
    }
    else if (r11 >= r22) {
        const c = 0.5 * Math.sqrt(Math.max(0, 1 - r00 + r11 - r22));
        const f = 0.25 / c;
        q = [(r02 - r20) * f, (r01 + r10) * f, c, (r12 + r21) * f];
    }
    else {
        const d = 0.5 * Math.sqrt(Math.max(0, 1 - r00 - r11 + r22));
        const f = 0.25 / d;
        q = [(r10 - r01) * f, (r02 + r20) * f, (r12 + r21) * f, d];
    }
    const norm = Math.hypot(...q);
    const sign = q[0] < 0 ? -1 : 1;
    return q.map((v) => (sign * v) / norm);
}
/**
 * Nearest orthogonal matrix (the polar factor) by Newton's iteration X ← (X + X⁻ᵀ) / 2, which
 * converges quadratically for the near-orthogonal matrices affines give. Strips shear so that the
 * qform (which cannot express shear) gets the closest rotation; the sform keeps the exact affine.
 */
export function nearestOrthogonal(m) {
    let x = m.map((row) => [...row]);
    for (let iter = 0; iter < 100; iter++) {
        const inv = invert3(x);
        let delta = 0;
        const next = x.map((row, i) => row.map((v, j) => {
            const nv = 0.5 * (v + inv[j][i]);
            delta = Math.max(delta, Math.abs(nv - v));
            return nv;
        }));
        x = next;
        if (delta < 1e-15)
            break;
    }
    return x;
}
export function det3(m) {
    return (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
        m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
        m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]));
}
function invert3(m) {
    const det = det3(m);
    const c = (r0, c0, r1, c1) => m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];
    return [
        [c(1, 1, 2, 2) / det, -c(0, 1, 2, 2) / det, c(0, 1, 1, 2) / det],
        [-c(1, 0, 2, 2) / det, c(0, 0, 2, 2) / det, -c(0, 0, 1, 2) / det],
        [c(1, 0, 2, 1) / det, -c(0, 0, 2, 1) / det, c(0, 0, 1, 1) / det],
    ];
}
/**
 * b, c, d rounded to float32 for a NIfTI-1 header, choosing among the float32 neighbours of each
 * (±2 ulp) the triple whose implied a = sqrt(1 - b² - c² - d²) is closest to the true a.
 *
 * Why: readers rebuild a from the stored b, c, d, and near a 180° rotation (a ≈ 0, which every
 * LAS/LPS grid is) plain rounding leaves 1 - b² - c² - d² off by ~1e-7, so a comes back as
 * ~3e-4 instead of 0 and the rotation is off by ~1e-4. Picking the neighbours fixes that.
 * Triples whose sum exceeds 1 by more than `tolerance` are skipped: nibabel rejects those.
 */
export function float32Quaternion(q, tolerance = 3 * 2 ** -23) {
    const [a] = q;
    const options = [1, 2, 3].map((n) => neighbours(Math.fround(q[n])));
    let best = [Math.fround(q[1]), Math.fround(q[2]), Math.fround(q[3])];
    let bestError = Infinity;
    let bestW2 = Infinity;
    for (const b of options[0]) {
        for (const c of options[1]) {
            for (const d of options[2]) {
                const w2 = 1 - (b * b + c * c + d * d);
                if (w2 < -tolerance)
                    continue;
                const error = Math.abs((w2 > 0 ? Math.sqrt(w2) : 0) - a) + 1e-3 * (Math.abs(b - q[1]) + Math.abs(c - q[2]) + Math.abs(d - q[3]));
                if (error < bestError || (error === bestError && Math.abs(w2) < bestW2)) {
                    best = [b, c, d];
                    bestError = error;
                    bestW2 = Math.abs(w2);
                }
            }
        }
    }
    return best;
}
/** x and its float32 neighbours up to 2 ulp either side. */
function neighbours(x) {
    const out = [x];
    let up = x;
    let down = x;
    for (let n = 0; n < 2; n++) {
        up = nextFloat32(up, 1);
        down = nextFloat32(down, -1);
        out.push(up, down);
    }
    return out;
}
const f32 = new Float32Array(1);
const bits = new Int32Array(f32.buffer);
function nextFloat32(x, direction) {
    if (x === 0)
        return direction * 2 ** -149;
    f32[0] = x;
    // For positive floats the bit pattern grows with the value; for negative ones it shrinks.
    bits[0] += x > 0 ? direction : -direction;
    return f32[0];
}
