/**
 * Stored sample values -> the volume's values. Slices are copied one by one into a single
 * buffer of the stored type (sign-extended from BitsStored), then RescaleSlope/Intercept (which
 * may differ per slice) are applied. The output type follows the values, not the tags: the
 * stored type when no slice rescales, int16 in place when every rescaled value fits, int32 for
 * integer rescales that do not, float32 for fractional ones. So a typical CT costs one int16
 * volume of memory.
 */
import { UnisegError } from "../../errors.js";
/** The stored-value buffer for `slices` slices of `pixels` samples each. */
export function storedArray(format, pixels, slices, where) {
    const count = pixels * slices;
    try {
        if (format.bitsAllocated === 8)
            return format.signed ? new Int8Array(count) : new Uint8Array(count);
        return format.signed ? new Int16Array(count) : new Uint16Array(count);
    }
    catch (error) {
        throw new UnisegError('DICOM_TOO_LARGE', `${where}: cannot allocate ${count} voxels for the series`, { file: where, voxels: count }, { cause: error });
    }
}
/** Copies one decoded frame (little-endian raw samples) into slice `k`; returns its [min, max] stored value. */
export function copyFrame(bytes, format, target, k, pixels) {
    const aligned = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice();
    const wide = format.bitsAllocated === 16;
    const source = wide
        ? format.signed
            ? new Int16Array(aligned.buffer, aligned.byteOffset, pixels)
            : new Uint16Array(aligned.buffer, aligned.byteOffset, pixels)
        : format.signed
            ? new Int8Array(aligned.buffer, aligned.byteOffset, pixels)
            : aligned.subarray(0, pixels);
    const offset = k * pixels;
    // Bits above BitsStored are not part of the value (old files put overlays there): sign-extend
    // or mask them away, as the standard asks.
    const unused = format.bitsAllocated - format.bitsStored;
    let min = Infinity;
    let max = -Infinity;
    if (unused <= 0) {
        target.set(source, offset);
        for (let p = 0; p < pixels; p++) {
            const v = source[p];
            if (v < min)
                min = v;
            if (v > max)
                max = v;
        }
    }
    else {
        const shift = 32 - format.bitsStored;
        const mask = (1 << format.bitsStored) - 1;
        for (let p = 0; p < pixels; p++) {
            const raw = source[p] & ((1 << format.bitsAllocated) - 1);
            const v = format.signed ? ((raw << shift) >> shift) : raw & mask;
            target[offset + p] = v;
            if (v < min)
                min = v;
            if (v > max)
                max = v;
        }
    }
    return [min, max];
}
const INT16 = [-32768, 32767];
const INT32 = [-2147483648, 2147483647];
/** Applies each slice's rescale; may reuse `stored`'s buffer. */
export function rescale(stored, rescales, ranges, pixels) {
    if (rescales.every((r) => r.slope === 1 && r.intercept === 0))
        return { data: stored, datatype: nameOf(stored) };
    const integral = rescales.every((r) => Number.isInteger(r.slope) && Number.isInteger(r.intercept));
    let lo = Infinity;
    let hi = -Infinity;
    rescales.forEach((r, k) => {
        const a = ranges[k][0] * r.slope + r.intercept;
        const b = ranges[k][1] * r.slope + r.intercept;
        lo = Math.min(lo, a, b);
        hi = Math.max(hi, a, b);
    });
    let out;
    if (integral && lo >= INT16[0] && hi <= INT16[1]) {
        // Element k is read before it is written, so 16-bit stored values can become int16 in place.
        out = stored.BYTES_PER_ELEMENT === 2 ? new Int16Array(stored.buffer, stored.byteOffset, stored.length) : new Int16Array(stored.length);
    }
    else if (integral && lo >= INT32[0] && hi <= INT32[1]) {
        out = new Int32Array(stored.length);
    }
    else {
        out = new Float32Array(stored.length);
    }
    rescales.forEach((r, k) => {
        const start = k * pixels;
        for (let p = start; p < start + pixels; p++)
            out[p] = stored[p] * r.slope + r.intercept;
    });
    return { data: out, datatype: nameOf(out) };
}
function nameOf(data) {
    if (data instanceof Int8Array)
        return 'int8';
    if (data instanceof Uint8Array)
        return 'uint8';
    if (data instanceof Int16Array)
        return 'int16';
    if (data instanceof Uint16Array)
        return 'uint16';
    if (data instanceof Int32Array)
        return 'int32';
    return 'float32';
}
