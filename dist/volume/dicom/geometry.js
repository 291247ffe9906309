/**
 * A series' voxel grid from its tags: every slice must share size, pixel spacing and
 * orientation; slices are sorted by position along the slice normal (row cosines x column
 * cosines); the step comes from those positions (never SliceThickness, which differs when slices
 * overlap), must be even, with no gaps, no repeated positions and no drift off the normal (a
 * gantry tilt). The affine maps LPS to RAS+ by negating x and y, as dcm2niix's output does:
 * world(i, j, k) = diag(-1,-1,1) * (IPP0 + i*colSpacing*rowCos + j*rowSpacing*colCos + k*step*normal).
 */
import { UnisegError } from "../../errors.js";
/** Orientation cosines may differ by rounding in the file, no more. */
const COSINE_TOLERANCE = 1e-3;
/** Pixel spacings, positions along the normal and drift off it: mm, beyond which slices disagree. */
const POSITION_TOLERANCE_MM = 0.05;
/** A step may differ from the series' step by this fraction of it (and at least POSITION_TOLERANCE_MM). */
const STEP_TOLERANCE = 0.01;
export function seriesGrid(series, unsorted) {
    if (unsorted.length < 2) {
        throw new UnisegError('DICOM_NO_SERIES', `series ${series} has ${unsorted.length} slice${unsorted.length === 1 ? '' : 's'} (${unsorted.map((s) => s.where).join(', ')}); a CT volume needs at least 2: pass the folder or zip that holds the whole series`, {
            series,
            slices: unsorted.length,
        });
    }
    const first = unsorted[0];
    checkSame(series, unsorted, 'DICOM_MIXED_SIZE', 'Rows x Columns', (s) => `${s.rows}x${s.columns}`, (a, b) => a.rows === b.rows && a.columns === b.columns);
    checkSame(series, unsorted, 'DICOM_MIXED_SIZE', 'PixelSpacing', (s) => s.pixelSpacing.join('\\'), (a, b) => a.pixelSpacing.every((v, i) => Math.abs(v - b.pixelSpacing[i]) <= POSITION_TOLERANCE_MM * 0.1));
    checkSame(series, unsorted, 'DICOM_MIXED_ORIENTATION', 'ImageOrientationPatient', (s) => s.imageOrientationPatient.map((v) => round(v, 4)).join('\\'), (a, b) => a.imageOrientationPatient.every((v, i) => Math.abs(v - b.imageOrientationPatient[i]) <= COSINE_TOLERANCE));
    const iop = first.imageOrientationPatient;
    const rowCos = unit([iop[0], iop[1], iop[2]], series, first.where);
    const colCos = unit([iop[3], iop[4], iop[5]], series, first.where);
    if (Math.abs(dot(rowCos, colCos)) > COSINE_TOLERANCE * 10) {
        throw new UnisegError('DICOM_INVALID', `${first.where}: ImageOrientationPatient rows and columns are not perpendicular (cosine ${round(dot(rowCos, colCos), 4)})`, {
            file: first.where,
            series,
            imageOrientationPatient: iop,
        });
    }
    const normal = cross(rowCos, colCos);
    const slices = [...unsorted].sort((a, b) => dot(a.imagePositionPatient, normal) - dot(b.imagePositionPatient, normal));
    const along = slices.map((s) => dot(s.imagePositionPatient, normal));
    checkRepeats(series, slices, along);
    checkTilt(series, slices, normal);
    const step = checkSteps(series, slices, along);
    const [rowSpacing, colSpacing] = first.pixelSpacing;
    const origin = slices[0].imagePositionPatient;
    const lps = [0, 1, 2].map((r) => [rowCos[r] * colSpacing, colCos[r] * rowSpacing, normal[r] * step, origin[r]]);
    const affine = [
        lps[0].map((v) => -v),
        lps[1].map((v) => -v),
        lps[2],
        [0, 0, 0, 1],
    ];
    return { slices, affine, step };
}
function checkSame(series, slices, code, what, show, same) {
    // The value most slices have is the series' own; the others are the odd ones out.
    const counts = new Map();
    for (const s of slices) {
        const key = show(s);
        const entry = counts.get(key) ?? { slice: s, n: 0 };
        entry.n++;
        counts.set(key, entry);
    }
    const common = [...counts.values()].sort((a, b) => b.n - a.n)[0].slice;
    const odd = slices.filter((s) => !same(s, common));
    if (odd.length === 0)
        return;
    throw new UnisegError(code, `series ${series}: ${odd.length} of ${slices.length} slices have another ${what} than the rest (${show(common)}): ${odd.slice(0, 5).map((s) => `${s.where} at ${position(s)} has ${show(s)}`).join('; ')}${odd.length > 5 ? '; ...' : ''}`, { series, attribute: what, expected: show(common), slices: odd.slice(0, 20).map((s) => ({ file: s.where, imagePositionPatient: s.imagePositionPatient, value: show(s) })) });
}
function checkRepeats(series, slices, along) {
    const repeated = [];
    for (let k = 1; k < slices.length; k++)
        if (along[k] - along[k - 1] <= POSITION_TOLERANCE_MM)
            repeated.push(k);
    if (repeated.length === 0)
        return;
    const distinct = slices.length - repeated.length;
    throw new UnisegError('DICOM_4D', `series ${series}: ${slices.length} slices at only ${distinct} distinct positions, e.g. ${slices[repeated[0] - 1].where} and ${slices[repeated[0]].where} both at ${position(slices[repeated[0]])}: ` +
        'a 4D series (several phases or repeats); uniseg reads 3D volumes, so split the phases into series of their own', { series, slices: slices.length, positions: distinct, repeated: repeated.slice(0, 20).map((k) => ({ file: slices[k].where, imagePositionPatient: slices[k].imagePositionPatient })) });
}
function checkTilt(series, slices, normal) {
    const origin = slices[0].imagePositionPatient;
    let worst = 0;
    let worstK = 0;
    slices.forEach((s, k) => {
        const d = sub(s.imagePositionPatient, origin);
        const off = norm(sub(d, scale(normal, dot(d, normal))));
        if (off > worst) {
            worst = off;
            worstK = k;
        }
    });
    if (worst <= POSITION_TOLERANCE_MM)
        return;
    const last = slices[worstK];
    const distance = dot(sub(last.imagePositionPatient, origin), normal);
    const angle = (Math.atan2(worst, Math.abs(distance)) * 180) / Math.PI;
    const tag = slices[0].gantryTilt !== 0 ? ` (GantryDetectorTilt ${slices[0].gantryTilt})` : '';
    throw new UnisegError('DICOM_GANTRY_TILT', `series ${series}: slice positions drift ${round(worst, 2)} mm off the slice normal between ${slices[0].where} at ${position(slices[0])} and ${last.where} at ${position(last)}, ` +
        `a gantry tilt of about ${round(angle, 1)} degrees${tag}; uniseg needs slices stacked along their normal (resample the series without tilt, e.g. dcm2niix's tilt correction)`, { series, driftMm: worst, angleDegrees: angle, gantryDetectorTilt: slices[0].gantryTilt, from: slices[0].imagePositionPatient, to: last.imagePositionPatient });
}
/** The series' step: the median of the gaps between neighbours, which every gap must match. */
function checkSteps(series, slices, along) {
    const gaps = along.slice(1).map((d, k) => d - along[k]);
    const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)];
    const tolerance = Math.max(POSITION_TOLERANCE_MM, STEP_TOLERANCE * median);
    const odd = gaps.map((g, k) => ({ g, k })).filter(({ g }) => Math.abs(g - median) > tolerance);
    if (odd.length === 0)
        return (along[along.length - 1] - along[0]) / (slices.length - 1);
    const between = (k) => `${slices[k].where} at ${position(slices[k])} and ${slices[k + 1].where} at ${position(slices[k + 1])}`;
    const missing = odd.filter(({ g }) => Math.abs(g / median - Math.round(g / median)) * median <= tolerance && Math.round(g / median) >= 2);
    const details = { series, stepMm: median, toleranceMm: tolerance, gaps: odd.slice(0, 20).map(({ g, k }) => ({ gapMm: g, from: slices[k].imagePositionPatient, to: slices[k + 1].imagePositionPatient, files: [slices[k].where, slices[k + 1].where] })) };
    if (missing.length === odd.length) {
        const count = missing.reduce((n, { g }) => n + Math.round(g / median) - 1, 0);
        throw new UnisegError('DICOM_MISSING_SLICES', `series ${series}: ${count} slice${count === 1 ? '' : 's'} missing (step ${round(median, 3)} mm): ${missing.slice(0, 5).map(({ g, k }) => `a ${round(g, 3)} mm gap between ${between(k)}`).join('; ')}`, details);
    }
    throw new UnisegError('DICOM_UNEVEN_SPACING', `series ${series}: slice spacing is uneven (most gaps are ${round(median, 3)} mm, tolerance ${round(tolerance, 3)} mm): ${odd.slice(0, 5).map(({ g, k }) => `${round(g, 3)} mm between ${between(k)}`).join('; ')}`, details);
}
function position(s) {
    return `(${s.imagePositionPatient.map((v) => round(v, 2)).join(', ')})`;
}
function round(v, digits) {
    return Number(v.toFixed(digits));
}
function unit(v, series, where) {
    const n = norm(v);
    if (!(n > 0.5 && n < 1.5)) {
        throw new UnisegError('DICOM_INVALID', `${where}: ImageOrientationPatient holds a direction of length ${round(n, 4)}; unit cosines expected`, { file: where, series });
    }
    return scale(v, 1 / n);
}
const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const sub = (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const scale = (a, s) => [a[0] * s, a[1] * s, a[2] * s];
const norm = (a) => Math.hypot(a[0], a[1], a[2]);
const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
