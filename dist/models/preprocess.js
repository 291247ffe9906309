/**
 * CT → the model's grid: the model grid is the CT's grid reoriented to the model orientation and
 * re-spaced to the model spacing. When only the orientation differs, the data is reoriented
 * exactly (no interpolation); otherwise it is sampled trilinearly in world coordinates straight
 * from the CT, which gives the same values as reorienting first without holding a full-size copy.
 */
import { UnisegError } from "../errors.js";
import { gridOf, sameGrid, spacingGrid } from "../volume/grid.js";
import { scaleIntensityRange, zscore } from "../volume/intensity.js";
import { applyReorient, reorientGrid, reorientTransform } from "../volume/reorient.js";
import { parseOrientation } from "../volume/affine.js";
import { resampleToGrid } from "../volume/resample.js";
import { bodyMask } from "./body.js";
export function toModelGrid(ct, manifest) {
    const transform = reorientTransform(ct.orientation, parseOrientation(manifest.preprocess.orientation));
    const oriented = reorientGrid(gridOf(ct), transform);
    const grid = spacingGrid(oriented, manifest.preprocess.spacing);
    const floats = sameGrid(oriented, grid)
        ? Float32Array.from(applyReorient(ct, transform).data)
        : resampleToGrid(ct, grid, { mode: 'linear', outside: 'edge' }).data;
    const body = bodyMask(floats);
    const data = normalise(floats, manifest.preprocess.intensity);
    checkNotEmpty(data);
    return { grid, data, body };
}
export function normalise(data, spec) {
    switch (spec.kind) {
        case 'none':
            return data;
        case 'clip':
            return scaleIntensityRange(data, spec);
        case 'zscore':
            return zscore(data, { mean: spec.mean, std: spec.std });
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
