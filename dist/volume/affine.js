/**
 * 4x4 affine arithmetic and orientation codes. Small and hand-written: the only operations needed
 * are multiply, invert, apply and nibabel's axis-code rule, which no kept npm library provides
 * with nibabel's exact semantics.
 */
import { UnisegError } from "../errors.js";
export function identityAffine() {
    return [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
    ];
}
export function cloneAffine(a) {
    return a.map((row) => [...row]);
}
export function multiplyAffine(a, b) {
    const out = identityAffine();
    for (let r = 0; r < 4; r++) {
        for (let c = 0; c < 4; c++) {
            let s = 0;
            for (let k = 0; k < 4; k++)
                s += a[r][k] * b[k][c];
            out[r][c] = s;
        }
    }
    return out;
}
/** Inverse of an affine whose last row is 0 0 0 1 (3x3 inverse by cofactors, then the translation). */
export function invertAffine(a) {
    const [m00, m01, m02] = a[0];
    const [m10, m11, m12] = a[1];
    const [m20, m21, m22] = a[2];
    const c00 = m11 * m22 - m12 * m21;
    const c01 = m12 * m20 - m10 * m22;
    const c02 = m10 * m21 - m11 * m20;
    const det = m00 * c00 + m01 * c01 + m02 * c02;
    if (!Number.isFinite(det) || Math.abs(det) < 1e-12) {
        throw new UnisegError('GEOMETRY_INVALID', `affine is singular (determinant ${det})`, { affine: a, determinant: det });
    }
    const inv = [
        [c00 / det, (m02 * m21 - m01 * m22) / det, (m01 * m12 - m02 * m11) / det],
        [c01 / det, (m00 * m22 - m02 * m20) / det, (m02 * m10 - m00 * m12) / det],
        [c02 / det, (m01 * m20 - m00 * m21) / det, (m00 * m11 - m01 * m10) / det],
    ];
    const t = [a[0][3], a[1][3], a[2][3]];
    const out = identityAffine();
    for (let r = 0; r < 3; r++) {
        out[r][0] = inv[r][0];
        out[r][1] = inv[r][1];
        out[r][2] = inv[r][2];
        out[r][3] = -(inv[r][0] * t[0] + inv[r][1] * t[1] + inv[r][2] * t[2]);
    }
    return out;
}
/** Voxel index → world point (RAS+ mm). */
export function voxelToWorld(affine, ijk) {
    const [i, j, k] = ijk;
    return [
        affine[0][0] * i + affine[0][1] * j + affine[0][2] * k + affine[0][3],
        affine[1][0] * i + affine[1][1] * j + affine[1][2] * k + affine[1][3],
        affine[2][0] * i + affine[2][1] * j + affine[2][2] * k + affine[2][3],
    ];
}
/** World point (RAS+ mm) → fractional voxel index. */
export function worldToVoxel(affine, xyz) {
    return voxelToWorld(invertAffine(affine), xyz);
}
/** Voxel sizes: the norms of the affine's first three columns. */
export function affineSpacing(affine) {
    const col = (c) => Math.hypot(affine[0][c], affine[1][c], affine[2][c]);
    return [col(0), col(1), col(2)];
}
export function checkAffine(affine, where) {
    const ok = affine.length === 4 &&
        affine.every((row) => row.length === 4 && row.every(Number.isFinite)) &&
        affine[3][0] === 0 &&
        affine[3][1] === 0 &&
        affine[3][2] === 0 &&
        affine[3][3] === 1;
    if (!ok) {
        throw new UnisegError('GEOMETRY_INVALID', `${where}: affine must be 4x4 finite numbers with last row 0 0 0 1`, { where, affine });
    }
    invertAffine(affine);
}
const POSITIVE = ['R', 'A', 'S'];
const NEGATIVE = ['L', 'P', 'I'];
/**
 * Axis codes by nibabel's rule (io_orientation + ornt2axcodes): normalise the columns, replace the
 * 3x3 by its nearest orthogonal matrix (polar factor, computed by Newton iteration instead of an
 * SVD), then repeatedly take the largest remaining |entry| to assign a voxel axis to a world axis.
 */
export function affineOrientation(affine) {
    const spacing = affineSpacing(affine);
    let r = [0, 1, 2].map((row) => [0, 1, 2].map((c) => affine[row][c] / spacing[c]));
    for (let iter = 0; iter < 50; iter++) {
        const inv = invert3(r);
        const next = r.map((row, i) => row.map((v, j) => 0.5 * (v + inv[j][i])));
        const delta = Math.max(...next.flatMap((row, i) => row.map((v, j) => Math.abs(v - r[i][j]))));
        r = next;
        if (delta < 1e-12)
            break;
    }
    const codes = [undefined, undefined, undefined];
    const usedRows = new Set();
    const usedCols = new Set();
    for (let n = 0; n < 3; n++) {
        let best = -1;
        let bestRow = 0;
        let bestCol = 0;
        for (let row = 0; row < 3; row++) {
            if (usedRows.has(row))
                continue;
            for (let c = 0; c < 3; c++) {
                if (usedCols.has(c))
                    continue;
                const v = Math.abs(r[row][c]);
                if (v > best) {
                    best = v;
                    bestRow = row;
                    bestCol = c;
                }
            }
        }
        usedRows.add(bestRow);
        usedCols.add(bestCol);
        codes[bestCol] = r[bestRow][bestCol] >= 0 ? POSITIVE[bestRow] : NEGATIVE[bestRow];
    }
    return codes;
}
function invert3(m) {
    const a = [
        [...m[0], 0],
        [...m[1], 0],
        [...m[2], 0],
        [0, 0, 0, 1],
    ];
    return invertAffine(a).slice(0, 3).map((row) => row.slice(0, 3));
}
/** Parse "RAS", "LPS", ... into axis codes; each world axis must appear once. */
export function parseOrientation(text) {
    const up = text.trim().toUpperCase();
    const codes = [...up];
    const axisOf = (c) => 'RL'.includes(c) ? 0 : 'AP'.includes(c) ? 1 : 'SI'.includes(c) ? 2 : -1;
    const axes = codes.map(axisOf);
    if (codes.length !== 3 || axes.includes(-1) || new Set(axes).size !== 3) {
        throw new UnisegError('INVALID_ARGUMENT', `orientation must be three letters naming R/L, A/P and S/I once each (e.g. RAS, LPS); got "${text}"`, {
            field: 'orientation',
            value: text,
        });
    }
    return codes;
}
