/**
 * Raw voxel bytes → typed array: byte order, scl_slope/scl_inter, and the NaN/Inf policy.
 * The on-disk array is kept as a view of the bytes we were given whenever alignment and byte
 * order allow, so a native-order file costs no copy.
 */
import { endianness } from 'node:os';
import { UnisegError } from "../../errors.js";
const HOST_LITTLE_ENDIAN = endianness() === 'LE';
/** Buffer.swapN works on at most ~4 GiB at a time; swap in slices well under that. */
const SWAP_SLICE_BYTES = 1 << 30;
export function decodeVoxels(req) {
    const { datatype } = req;
    const count = req.bytes.length / datatype.bytes;
    let bytes = req.bytes;
    let owned = req.owned;
    const needsSwap = datatype.bytes > 1 && req.littleEndian !== HOST_LITTLE_ENDIAN;
    if ((needsSwap && !owned) || bytes.byteOffset % datatype.bytes !== 0) {
        bytes = bytes.slice();
        owned = true;
    }
    if (needsSwap)
        swapBytes(bytes, datatype.bytes);
    let data = datatype.create(bytes.buffer, bytes.byteOffset, count);
    const scaling = scalingOf(req);
    if (scaling) {
        const [slope, inter] = scaling;
        const out = new Float32Array(count);
        for (let i = 0; i < count; i++)
            out[i] = data[i] * slope + inter;
        data = out;
        owned = true;
    }
    if (data instanceof Float32Array || data instanceof Float64Array) {
        data = checkFinite(data, owned, req);
    }
    return data;
}
/**
 * (slope, inter) when scaling changes values, else undefined. As in nibabel, a slope of 0 or a
 * non-finite slope means "no scaling"; a usable slope with a non-finite intercept is an error.
 */
function scalingOf(req) {
    const { sclSlope: slope, sclInter: inter } = req;
    if (slope === 0 || !Number.isFinite(slope))
        return undefined;
    if (!Number.isFinite(inter)) {
        throw new UnisegError('NIFTI_BAD_HEADER', `${req.where}: scl_slope is ${slope} but scl_inter is ${inter}; the intercept must be finite`, {
            file: req.where,
            field: 'scl_inter',
            value: inter,
        });
    }
    if (slope === 1 && inter === 0)
        return undefined;
    return [slope, inter];
}
function checkFinite(data, owned, req) {
    let count = 0;
    let first = -1;
    for (let i = 0; i < data.length; i++) {
        // x - x is NaN exactly when x is NaN or ±Inf, and is cheaper than Number.isFinite per voxel.
        if (data[i] - data[i] !== 0) {
            if (first < 0)
                first = i;
            count++;
        }
    }
    if (count === 0)
        return data;
    if (req.nonFinite === 'error') {
        throw new UnisegError('NIFTI_NONFINITE', `${req.where}: ${count} voxel(s) are NaN or infinite, the first at flat index ${first} (value ${data[first]}); ` +
            "pass nonFinite: 'zero' to replace them with 0", { file: req.where, field: 'data', count, firstIndex: first, firstValue: String(data[first]) });
    }
    const out = owned ? data : data.slice();
    for (let i = first; i < out.length; i++)
        if (out[i] - out[i] !== 0)
            out[i] = 0;
    req.warnings.push(`${count} NaN/infinite voxel(s) replaced by 0 (first at flat index ${first})`);
    return out;
}
function swapBytes(bytes, width) {
    for (let start = 0; start < bytes.length; start += SWAP_SLICE_BYTES) {
        const end = Math.min(bytes.length, start + SWAP_SLICE_BYTES);
        const view = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
        if (width === 2)
            view.swap16();
        else if (width === 4)
            view.swap32();
        else
            view.swap64();
    }
}
