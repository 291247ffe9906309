/**
 * The source series behind a CT volume, checked before anything is written: the volume must come
 * from DICOM (`ct.dicom`), its array must still be the series' pixels in order (no reorientation
 * since reading), and every mask must lie on its grid.
 */
import { UnisegError } from "../../errors.js";
import { voxelToWorld } from "../affine.js";
import { sameGrid } from "../grid.js";
const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
export function sliceFrame(info) {
    const iop = info.imageOrientationPatient;
    const rowCosines = [iop[0], iop[1], iop[2]];
    const columnCosines = [iop[3], iop[4], iop[5]];
    const normal = cross(rowCosines, columnCosines);
    const [rowSpacing, columnSpacing] = info.pixelSpacing;
    const positions = info.instances.map((r) => r.imagePositionPatient);
    const n = positions.length;
    const sliceStep = n > 1 ? (dot(positions[n - 1], normal) - dot(positions[0], normal)) / (n - 1) : 1;
    return {
        rowCosines,
        columnCosines,
        normal,
        rowSpacing,
        columnSpacing,
        sliceStep,
        point(k, i, j) {
            const p = positions[k];
            const u = i * columnSpacing;
            const v = j * rowSpacing;
            return [p[0] + u * rowCosines[0] + v * columnCosines[0], p[1] + u * rowCosines[1] + v * columnCosines[1], p[2] + u * rowCosines[2] + v * columnCosines[2]];
        },
    };
}
/** Refuses a CT that did not come from a DICOM series, before any inference is spent on it. */
export function requireDicomSource(ct, output) {
    if (ct.dicom)
        return ct.dicom;
    const from = ct.source?.path ?? 'the input volume';
    throw new UnisegError('DICOM_OUTPUT_NEEDS_DICOM_INPUT', `${output} output references the source CT's DICOM instances, but ${from} was not read from a DICOM series; give a DICOM series (a folder or .zip) or ask for NIfTI output`, { output, input: from });
}
/**
 * The CT's array is the series' pixels (voxel (i, j, k) = column i, row j of instance k) and its
 * affine agrees with the positions: checked at the grid's corners, so a volume reoriented or
 * resampled after reading (which keeps `.dicom` but not the pixel order) is refused.
 */
function checkSeriesGrid(ct, info, frame) {
    const [nx, ny, nz] = ct.shape;
    const fail = (what, details) => {
        throw new UnisegError('DICOM_OUTPUT_GRID_MISMATCH', `the CT volume no longer matches its DICOM series ${info.seriesInstanceUID}: ${what}`, {
            series: info.seriesInstanceUID,
            ...details,
        });
    };
    if (nx !== info.columns || ny !== info.rows || nz !== info.instances.length) {
        fail(`shape [${ct.shape.join(', ')}] but the series has ${info.columns} columns, ${info.rows} rows and ${info.instances.length} slices`, { shape: ct.shape });
    }
    const tol = Math.max(0.01, 0.1 * Math.min(frame.rowSpacing, frame.columnSpacing, Math.abs(frame.sliceStep)));
    for (const [i, j, k] of [
        [0, 0, 0],
        [nx - 1, 0, 0],
        [0, ny - 1, 0],
        [0, 0, nz - 1],
    ]) {
        const lps = frame.point(k, i, j);
        const ras = voxelToWorld(ct.affine, [i, j, k]);
        const off = Math.hypot(ras[0] + lps[0], ras[1] + lps[1], ras[2] - lps[2]);
        if (off > tol) {
            fail(`voxel (${i}, ${j}, ${k}) is ${off.toFixed(3)} mm from column ${i}, row ${j} of slice ${k}; was it reoriented or resampled after reading?`, { voxel: [i, j, k], offMm: off });
        }
    }
}
/** The series info, after checking the CT against it and every mask against the CT's grid. */
export function checkSources(ct, masks, output) {
    const info = requireDicomSource(ct, output);
    const frame = sliceFrame(info);
    checkSeriesGrid(ct, info, frame);
    if (masks.length === 0)
        throw new UnisegError('INVALID_ARGUMENT', `${output} output needs at least one prompt's mask; got none`, { output });
    for (const m of masks) {
        if (!sameGrid(m.mask, ct, 1e-4)) {
            throw new UnisegError('DICOM_OUTPUT_GRID_MISMATCH', `the mask of "${m.prompt}" (shape [${m.mask.shape.join(', ')}]) is not on the CT's grid (shape [${ct.shape.join(', ')}]); ${output} output needs masks on the source series' grid, as segment() returns them`, { prompt: m.prompt, maskShape: m.mask.shape, ctShape: ct.shape });
        }
    }
    return { info, frame };
}
