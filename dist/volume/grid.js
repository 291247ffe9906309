/**
 * Voxel grids without data: a shape plus the affine that places it in world space. Resampling
 * targets are grids, so "what grid does the model want" and "fill it from this volume" stay apart.
 */
import { UnisegError } from "../errors.js";
import { affineSpacing, checkAffine, cloneAffine } from "./affine.js";
export function gridOf(volume) {
    return { shape: [volume.shape[0], volume.shape[1], volume.shape[2]], affine: cloneAffine(volume.affine) };
}
/**
 * The grid with voxel size `spacing` covering the same field of view as `grid`.
 *
 * Rule (voxel-centre convention: voxel i covers indices [i - 0.5, i + 0.5], so an axis of n
 * voxels spans n * spacing mm):
 *  - each axis keeps its world direction (the affine column is rescaled, never rotated);
 *  - the new count is max(1, round(n * oldSpacing / newSpacing)), so the new extent is the old
 *    extent rounded to whole new voxels (round half up, as Math.round does);
 *  - the new grid is centred on the old one: the world point at old index (n - 1) / 2 is the
 *    point at new index (m - 1) / 2. Any rounding surplus or shortfall is split evenly between
 *    both ends instead of piling up at the far end, which keeps a round trip symmetric.
 */
export function spacingGrid(grid, spacing) {
    checkSpacing(spacing);
    checkAffine(grid.affine, 'grid');
    const oldSpacing = affineSpacing(grid.affine);
    const shape = [0, 1, 2].map((axis) => Math.max(1, Math.round((grid.shape[axis] * oldSpacing[axis]) / spacing[axis])));
    const affine = cloneAffine(grid.affine);
    for (let axis = 0; axis < 3; axis++) {
        const scale = spacing[axis] / oldSpacing[axis];
        for (let row = 0; row < 3; row++)
            affine[row][axis] = grid.affine[row][axis] * scale;
    }
    // Translation: old centre (world) minus the new columns times the new centre index.
    for (let row = 0; row < 3; row++) {
        let centre = grid.affine[row][3];
        let offset = 0;
        for (let axis = 0; axis < 3; axis++) {
            centre += (grid.affine[row][axis] * (grid.shape[axis] - 1)) / 2;
            offset += (affine[row][axis] * (shape[axis] - 1)) / 2;
        }
        affine[row][3] = centre - offset;
    }
    return { shape: [shape[0], shape[1], shape[2]], affine };
}
/**
 * MONAI Spacing's output grid for an axis-aligned resampling (directions kept): per axis
 * round((n - 1) · oldSpacing / newSpacing + 1) voxels, NumPy's round (half to even), the first
 * voxel centre where the input's first voxel centre is. The far end is where the rounding lands,
 * so the grid is not centred on the input's field of view.
 */
export function firstVoxelSpacingGrid(grid, spacing) {
    checkSpacing(spacing);
    checkAffine(grid.affine, 'grid');
    const oldSpacing = affineSpacing(grid.affine);
    const shape = [0, 1, 2].map((axis) => Math.max(1, roundHalfEven(((grid.shape[axis] - 1) * oldSpacing[axis]) / spacing[axis] + 1)));
    const affine = cloneAffine(grid.affine);
    for (let axis = 0; axis < 3; axis++) {
        const scale = spacing[axis] / oldSpacing[axis];
        for (let row = 0; row < 3; row++)
            affine[row][axis] = grid.affine[row][axis] * scale;
    }
    return { shape: [shape[0], shape[1], shape[2]], affine };
}
function roundHalfEven(x) {
    const floor = Math.floor(x);
    const diff = x - floor;
    if (diff !== 0.5)
        return Math.round(x);
    return floor % 2 === 0 ? floor : floor + 1;
}
/** Same shape, and every affine entry within `tol` (mm; default 1e-6). */
export function sameGrid(a, b, tol = 1e-6) {
    if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1] || a.shape[2] !== b.shape[2])
        return false;
    for (let row = 0; row < 4; row++) {
        for (let col = 0; col < 4; col++) {
            if (!(Math.abs(a.affine[row][col] - b.affine[row][col]) <= tol))
                return false;
        }
    }
    return true;
}
function checkSpacing(spacing) {
    if (spacing.length !== 3 || !spacing.every((s) => Number.isFinite(s) && s > 0)) {
        throw new UnisegError('INVALID_ARGUMENT', `spacing must be three positive finite millimetre values; got [${spacing.join(', ')}]`, {
            field: 'spacing',
            value: spacing,
        });
    }
}
