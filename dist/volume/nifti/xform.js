/**
 * The voxel → world affine of a header, by nibabel's rule (Nifti1Header.get_best_affine after
 * nibabel's load-time header fixes): sform when sform_code != 0, else qform when qform_code != 0,
 * else the "base" affine nibabel builds from dim and pixdim alone.
 */
import { UnisegError } from "../../errors.js";
import { invertAffine } from "../affine.js";
import { quaternionToMatrix } from "./quaternion.js";
/** nibabel's known xform codes (unknown, scanner, aligned, talairach, mni, template); others it resets to 0. */
const VALID_XFORM_CODES = new Set([0, 1, 2, 3, 4, 5]);
/**
 * Picks the affine. Where the chosen transform is unusable (non-finite or singular) we fall back
 * to the next one with a warning rather than fail: nibabel would return the broken matrix, which
 * no downstream geometry can use.
 */
export function headerAffine(h, where, warnings) {
    const sformCode = xformCode(h.sformCode, 'sform_code', warnings);
    const qformCode = xformCode(h.qformCode, 'qform_code', warnings);
    const zooms = fixedZooms(h, warnings);
    if (sformCode !== 0) {
        const sform = [...h.srow.map((row) => [...row]), [0, 0, 0, 1]];
        if (usable(sform))
            return { affine: sform, from: 'sform' };
        warnings.push(`sform (srow_x/y/z) is singular or not finite: ignored it`);
    }
    if (qformCode !== 0) {
        const qform = qformAffine(h, where, warnings, zooms);
        if (usable(qform))
            return { affine: qform, from: 'qform' };
        warnings.push(`qform is singular or not finite: ignored it`);
    }
    const base = baseAffine(h, zooms);
    if (!usable(base)) {
        throw new UnisegError('NIFTI_BAD_HEADER', `${where}: no usable affine: sform/qform unusable and pixdim [${h.pixdim.join(', ')}] gives none`, {
            file: where,
            field: 'pixdim',
            value: [...h.pixdim],
        });
    }
    return { affine: base, from: 'pixdim' };
}
/**
 * The qform affine: R(quaternion) · diag(pixdim[1], pixdim[2], qfac · pixdim[3]) plus qoffset.
 * qfac is pixdim[0] when it is -1, else 1 (nibabel resets anything but ±1, including 0, to 1).
 */
export function qformAffine(h, where, warnings = [], zooms = fixedZooms(h, [])) {
    const qfac = h.pixdim[0] === -1 ? -1 : 1;
    if (h.pixdim[0] !== 1 && h.pixdim[0] !== -1 && h.pixdim[0] !== 0) {
        warnings.push(`pixdim[0] (qfac) is ${h.pixdim[0]}: used 1`);
    }
    // nibabel's tolerance for rounding in b²+c²+d² > 1: three epsilons of the stored float type.
    const eps = h.version === 1 ? 2 ** -23 : 2 ** -52;
    const [b, c, d] = h.quatern;
    const r = quaternionToMatrix(b, c, d, 3 * eps);
    if (!r) {
        throw new UnisegError('NIFTI_BAD_HEADER', `${where}: quatern_b/c/d = ${b}, ${c}, ${d} is not a unit quaternion (b²+c²+d² = ${b * b + c * c + d * d} > 1)`, { file: where, field: 'quatern_b/c/d', value: [b, c, d] });
    }
    const scale = [zooms[0], zooms[1], zooms[2] * qfac];
    return [
        [r[0][0] * scale[0], r[0][1] * scale[1], r[0][2] * scale[2], h.qoffset[0]],
        [r[1][0] * scale[0], r[1][1] * scale[1], r[1][2] * scale[2], h.qoffset[1]],
        [r[2][0] * scale[0], r[2][1] * scale[1], r[2][2] * scale[2], h.qoffset[2]],
        [0, 0, 0, 1],
    ];
}
/**
 * nibabel's base affine (shape_zoom_affine with x flipped): diag(-zx, zy, zz) with the origin at
 * the grid centre, so voxel ((nx-1)/2, (ny-1)/2, (nz-1)/2) sits at world 0. Dimensions past
 * dim[0] count as size 1 and zoom 1.
 */
export function baseAffine(h, zooms) {
    const ndim = h.dim[0];
    const size = [0, 1, 2].map((n) => (n < ndim ? h.dim[n + 1] : 1));
    const zoom = [0, 1, 2].map((n) => (n < ndim ? zooms[n] : 1));
    zoom[0] = -zoom[0];
    const out = [
        [zoom[0], 0, 0, 0],
        [0, zoom[1], 0, 0],
        [0, 0, zoom[2], 0],
        [0, 0, 0, 1],
    ];
    for (let n = 0; n < 3; n++)
        out[n][3] = (-(size[n] - 1) / 2) * zoom[n];
    return out;
}
/** pixdim[1..3] after nibabel's load-time fix: 0 becomes 1, negatives become their magnitude. */
export function fixedZooms(h, warnings) {
    const raw = [h.pixdim[1], h.pixdim[2], h.pixdim[3]];
    if (raw.some((z) => z === 0))
        warnings.push(`pixdim[1..3] = [${raw.join(', ')}] has zeros: used 1 for them`);
    if (raw.some((z) => z < 0))
        warnings.push(`pixdim[1..3] = [${raw.join(', ')}] has negatives: used their magnitude`);
    // Non-finite zooms are kept: they make the qform/base affine unusable, which headerAffine reports.
    return raw.map((z) => (z === 0 ? 1 : Math.abs(z)));
}
function xformCode(code, field, warnings) {
    if (VALID_XFORM_CODES.has(code))
        return code;
    warnings.push(`${field} is ${code}, not a known code: treated as 0 (unknown)`);
    return 0;
}
function usable(a) {
    if (!a.every((row) => row.every(Number.isFinite)))
        return false;
    try {
        invertAffine(a);
        return true;
    }
    catch {
        return false;
    }
}
