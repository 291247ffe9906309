/**
 * nnU-Net v2's way onto the network grid and back (DefaultPreprocessor.run_case and
 * convert_predicted_logits_to_segmentation_with_correct_shape), for a CT already reoriented
 * exactly to the package orientation: the [k, j, i] array (the volume's own memory order) is
 * permuted by transpose_forward, cropped to the bounding box of its nonzero voxels, normalised,
 * and resized by shape; logits come back by the inverse steps, the box filled with background.
 */
import { UnisegError } from "../../errors.js";
import { affineSpacing, parseOrientation } from "../../volume/affine.js";
import { gridOf } from "../../volume/grid.js";
import { applyReorient, reorientGrid, reorientTransform } from "../../volume/reorient.js";
import { Bounds } from "../bounds.js";
import { normalise } from "../preprocess.js";
import { f16round } from "./f16.js";
import { nnunetShape, resampleChannel } from "./resample.js";
/** Network axis a reads [k, j, i] axis transpose[a], i.e. oriented axis 2 - transpose[a]. */
function networkAxes(ijk, transpose) {
    return [ijk[2 - transpose[0]], ijk[2 - transpose[1]], ijk[2 - transpose[2]]];
}
/** The network-space window (roi is given along the oriented i, j, k). */
export function networkRoi(manifest, resampling) {
    return networkAxes(manifest.inference.roi, resampling.transpose);
}
export function cropCt(ct, manifest, resampling) {
    const transform = reorientTransform(ct.orientation, parseOrientation(manifest.preprocess.orientation));
    const oriented = reorientGrid(gridOf(ct), transform);
    const data = applyReorient(ct, transform).data;
    const zyx = [oriented.shape[2], oriented.shape[1], oriented.shape[0]];
    const box = resampling.cropToNonzero ? nonzeroBox(data, zyx) : zyx.map((n) => [0, n]);
    const boxDims = [box[0][1] - box[0][0], box[1][1] - box[1][0], box[2][1] - box[2][0]];
    const transpose = resampling.transpose;
    const cropped = new Float32Array(boxDims[0] * boxDims[1] * boxDims[2]);
    let o = 0;
    for (let a = box[0][0]; a < box[0][1]; a++) {
        for (let b = box[1][0]; b < box[1][1]; b++) {
            const row = (a * zyx[1] + b) * zyx[2];
            for (let c = box[2][0]; c < box[2][1]; c++)
                cropped[o++] = data[row + c];
        }
    }
    const spacing = networkAxes(affineSpacing(oriented.affine).map(Math.fround), transpose);
    const target = networkAxes(manifest.preprocess.spacing, transpose);
    const croppedDims = networkAxes([boxDims[2], boxDims[1], boxDims[0]], transpose);
    const space = {
        oriented,
        transpose,
        box,
        croppedDims,
        spacing,
        target,
        dims: nnunetShape(croppedDims, spacing, target),
        resampling,
    };
    return { space, data: permute(cropped, boxDims, transpose) };
}
/** CT normalisation (before resampling, as nnU-Net does), then the data resampled to the network grid. */
export function networkImage(cropped, intensity) {
    const { space } = cropped;
    const normalised = normalise(Float32Array.from(cropped.data), intensity);
    return resampleChannel(normalised, space.croppedDims, space.dims, space.spacing, space.target, space.resampling.data, space.resampling.separateZThreshold, Math.fround);
}
/**
 * One channel of network-space logits back to the cropped box in [k, j, i] order: resampled to the
 * cropped shape (nnU-Net keeps the logits' dtype: float16 unless the package accumulates in float32).
 */
export function logitsToBox(logits, space, float16) {
    const back = resampleChannel(logits, space.dims, space.croppedDims, space.target, space.spacing, space.resampling.logits, space.resampling.separateZThreshold, float16 ? f16round : Math.fround);
    const inverse = [0, 0, 0];
    space.transpose.forEach((axis, a) => (inverse[axis] = a));
    return permute(back, space.croppedDims, inverse);
}
/** A box-shaped map ([k, j, i]) placed into the whole oriented volume, `fill` outside the box. */
export function uncrop(values, space, fill) {
    const [nx, ny, nz] = space.oriented.shape;
    const out = new Float32Array(nx * ny * nz);
    if (fill !== 0)
        out.fill(fill);
    const { box } = space;
    const width = box[2][1] - box[2][0];
    let o = 0;
    for (let a = box[0][0]; a < box[0][1]; a++) {
        for (let b = box[1][0]; b < box[1][1]; b++) {
            out.set(values.subarray(o, o + width), (a * ny + b) * nx + box[2][0]);
            o += width;
        }
    }
    return out;
}
/** out[i0, i1, i2] = data at index i_a along input axis perm[a] (C order); dims are the input's. */
export function permute(data, dims, perm) {
    if (perm[0] === 0 && perm[1] === 1 && perm[2] === 2)
        return data;
    const stride = [dims[1] * dims[2], dims[2], 1];
    const outDims = [dims[perm[0]], dims[perm[1]], dims[perm[2]]];
    const [s0, s1, s2] = [stride[perm[0]], stride[perm[1]], stride[perm[2]]];
    const out = new Float32Array(data.length);
    let o = 0;
    for (let x = 0; x < outDims[0]; x++)
        for (let y = 0; y < outDims[1]; y++)
            for (let z = 0; z < outDims[2]; z++)
                out[o++] = data[x * s0 + y * s1 + z * s2];
    return out;
}
/** Half-open bounding box of the nonzero voxels (nnU-Net's crop_to_nonzero; filled holes lie inside it). */
function nonzeroBox(data, dims) {
    const bounds = new Bounds();
    let v = 0;
    for (let a = 0; a < dims[0]; a++) {
        for (let b = 0; b < dims[1]; b++) {
            for (let c = 0; c < dims[2]; c++, v++)
                if (data[v] !== 0)
                    bounds.add(a, b, c);
        }
    }
    const box = bounds.box();
    if (!box) {
        throw new UnisegError('VOLUME_EMPTY_AFTER_CROP', `the CT has no nonzero voxel to crop to (all ${dims[0] * dims[1] * dims[2]} voxels are 0)`, { voxels: dims[0] * dims[1] * dims[2] });
    }
    return [0, 1, 2].map((d) => [box.lo[d], box.hi[d]]);
}
