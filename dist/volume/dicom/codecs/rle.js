/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one PackBits
 * segment per byte plane, most significant plane first. Written by hand because no kept npm
 * package decodes the DICOM framing (cornerstone's RLE decoder lives inside its browser image
 * loader, not in a package of its own), and the format is a few dozen lines.
 */
import { UnisegError } from "../../../errors.js";
/** Decodes one frame of `rows * columns` samples of `bytesPerSample` bytes into little-endian bytes. */
export function decodeRle(frame, pixels, bytesPerSample, where) {
    if (frame.length < 64)
        fail(where, `frame is ${frame.length} bytes, shorter than the 64-byte RLE header`);
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const segments = view.getUint32(0, true);
    if (segments !== bytesPerSample)
        fail(where, `has ${segments} RLE segments; ${bytesPerSample} expected for one ${bytesPerSample * 8}-bit sample per pixel`);
    const offsets = [];
    for (let s = 0; s < segments; s++)
        offsets.push(view.getUint32(4 + 4 * s, true));
    offsets.push(frame.length);
    const out = new Uint8Array(pixels * bytesPerSample);
    for (let s = 0; s < segments; s++) {
        if (!(offsets[s] >= 64 && offsets[s] <= offsets[s + 1]))
            fail(where, `RLE segment ${s} offset ${offsets[s]} is out of order or inside the header`);
        // Segment 0 holds the most significant bytes; little-endian output puts them last.
        const plane = bytesPerSample - 1 - s;
        unpackBits(frame.subarray(offsets[s], offsets[s + 1]), out, plane, bytesPerSample, pixels, where);
    }
    return out;
}
function unpackBits(segment, out, plane, stride, pixels, where) {
    let i = 0;
    let p = 0;
    while (p < pixels && i < segment.length) {
        const n = (segment[i++] << 24) >> 24;
        if (n >= 0) {
            const count = n + 1;
            if (i + count > segment.length || p + count > pixels)
                fail(where, 'RLE literal run overruns the segment or the frame');
            for (let k = 0; k < count; k++)
                out[(p + k) * stride + plane] = segment[i + k];
            i += count;
            p += count;
        }
        else if (n !== -128) {
            const count = 1 - n;
            if (i >= segment.length || p + count > pixels)
                fail(where, 'RLE repeat run overruns the segment or the frame');
            const value = segment[i++];
            for (let k = 0; k < count; k++)
                out[(p + k) * stride + plane] = value;
            p += count;
        }
    }
    if (p < pixels)
        fail(where, `RLE segment decodes to ${p} of ${pixels} pixels`);
}
function fail(where, why) {
    throw new UnisegError('DICOM_INVALID', `${where}: corrupt RLE pixel data: ${why}`, { file: where, transferSyntaxUID: '1.2.840.10008.1.2.5' });
}
