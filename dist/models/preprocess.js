/**
 * CT → the model's grid: the model grid is the CT's grid reoriented to the model orientation and
 * re-spaced to the model spacing. When only the orientation differs, the data is reoriented
 * exactly (no interpolation); otherwise it is sampled trilinearly in world coordinates straight
 * from the CT, which gives the same values as reorienting first without holding a full-size copy.
 */
import { UnisegError } from "../errors.js";
import { firstVoxelSpacingGrid, gridOf, sameGrid, spacingGrid } from "../volume/grid.js";
import { normalizeIntensity, scaleIntensity, scaleIntensityRange, zscore } from "../volume/intensity.js";
import { applyReorient, reorientGrid, reorientTransform } from "../volume/reorient.js";
import { parseOrientation } from "../volume/affine.js";
import { resampleToGrid } from "../volume/resample.js";
import { bodyMask } from "./body.js";
import { monaiNonzero, nonzeroSupport } from "./monai/spacing.js";
import { ctNormalise } from "./nnunet/ct-normalization.js";
export function toModelGrid(ct, manifest) {
    const transform = reorientTransform(ct.orientation, parseOrientation(manifest.preprocess.orientation));
    const oriented = reorientGrid(gridOf(ct), transform);
    const spacing = manifest.preprocess.spacing;
    const grid = manifest.preprocess.grid === 'first-voxel' ? firstVoxelSpacingGrid(oriented, spacing) : spacingGrid(oriented, spacing);
    const resampled = !sameGrid(oriented, grid);
    const floats = resampled ? resampleToGrid(ct, grid, { mode: 'linear', outside: 'edge' }).data : Float32Array.from(applyReorient(ct, transform).data);
    const spec = manifest.preprocess.intensity;
    const mask = resampled && normalizesNonzero(spec) ? monaiNonzeroMask(ct, transform, oriented, grid, spacing) : undefined;
    const body = bodyMask(floats);
    const data = normalise(floats, spec, mask);
    checkNotEmpty(data);
    return { grid, data, body };
}
function normalizesNonzero(spec) {
    return (spec.kind === 'steps' ? spec.steps : [spec]).some((s) => s.kind === 'normalize' && s.nonzero);
}
/**
 * Which model-grid voxels MONAI's NormalizeIntensity(nonzero) counts after Spacing: emulated bit
 * for bit where the oriented CT is axis-aligned (monai/spacing.ts), else the superset rule.
 */
function monaiNonzeroMask(ct, transform, oriented, grid, spacing) {
    const a = oriented.affine;
    const aligned = [0, 1, 2].every((r) => a[r][r] > 0 && [0, 1, 2].every((c) => c === r || a[r][c] === 0) && grid.affine[r][3] === a[r][3]);
    if (!aligned)
        return nonzeroSupport(ct, grid);
    return monaiNonzero(applyReorient(ct, transform), [a[0][0], a[1][1], a[2][2]], grid, spacing);
}
/** The manifest's intensity steps in order; `mask` says which voxels `normalize` with `nonzero` uses. */
export function normalise(data, spec, mask) {
    // The mask describes the resampled CT: it holds for the first step only (after another step, x != 0 is MONAI's test too).
    const steps = spec.kind === 'steps' ? spec.steps : [spec];
    return steps.reduce((d, s, i) => normaliseStep(d, s, i === 0 ? mask : undefined), data);
}
function normaliseStep(data, spec, mask) {
    switch (spec.kind) {
        case 'none':
            return data;
        case 'clip':
            return scaleIntensityRange(data, spec);
        case 'zscore':
            return zscore(data, { mean: spec.mean, std: spec.std });
        case 'ct':
            return ctNormalise(data, spec);
        case 'normalize':
            return normalizeIntensity(data, { nonzero: spec.nonzero, mask });
        case 'scale':
            return scaleIntensity(data, spec.minv, spec.maxv);
    }
}
/** A CT with no contrast at all (every voxel equal after normalisation) has nothing to segment. */
function checkNotEmpty(data) {
    const first = data[0];
    for (let i = 1; i < data.length; i++)
        if (data[i] !== first)
            return;
    throw new UnisegError('VOLUME_EMPTY_AFTER_CROP', `the CT holds no structure on the model grid: all ${data.length} voxels equal ${first} after normalisation`, {
        value: first,
        voxels: data.length,
    });
}
