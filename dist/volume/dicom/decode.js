/**
 * One slice's pixel data, whatever its transfer syntax, to little-endian bytes of the stored
 * sample values (raw bit patterns, BitsAllocated wide); pixels.ts makes values of them.
 */
import { UnisegError } from "../../errors.js";
import { decodeJ2k } from "./codecs/j2k.js";
import { decodeJpegLossless } from "./codecs/jpeg-lossless.js";
import { decodeRle } from "./codecs/rle.js";
import { readableSyntaxes, syntaxName, TRANSFER_SYNTAXES } from "./syntax.js";
export async function decodeFrame(slice, pixelData, series) {
    const { where, rows, columns, transferSyntaxUID: uid } = slice;
    const encoding = TRANSFER_SYNTAXES[uid]?.encoding;
    if (!encoding) {
        throw new UnisegError('DICOM_UNSUPPORTED_SYNTAX', `${where}: series ${series} is stored as ${syntaxName(uid)} (${uid || 'no TransferSyntaxUID'}), which uniseg does not decode; it reads ${readableSyntaxes().join(', ')}. Convert it first, e.g. with dcmdjpeg or gdcmconv --raw`, { file: where, series, transferSyntaxUID: uid });
    }
    if (!pixelData || pixelData.length === 0) {
        throw new UnisegError('DICOM_INVALID', `${where}: has no pixel data`, { file: where, series });
    }
    const pixels = rows * columns;
    const bytesPerSample = slice.pixel.bitsAllocated / 8;
    const needed = pixels * bytesPerSample;
    if (encoding === 'native-le' || encoding === 'native-be') {
        const data = new Uint8Array(pixelData[0]);
        if (data.length < needed) {
            throw new UnisegError('DICOM_INVALID', `${where}: pixel data has ${data.length} bytes; ${rows} x ${columns} x ${bytesPerSample} = ${needed} expected`, {
                file: where,
                presentBytes: data.length,
                expectedBytes: needed,
            });
        }
        const frame = data.slice(0, needed);
        if (encoding === 'native-be' && bytesPerSample === 2)
            swapPairs(frame);
        return frame;
    }
    // A single-frame object's fragments all belong to its one frame.
    const frame = concat(pixelData);
    if (encoding === 'rle')
        return decodeRle(frame, pixels, bytesPerSample, where);
    if (encoding === 'jpeg-lossless')
        return decodeJpegLossless(frame, pixels, bytesPerSample, where);
    return decodeJ2k(frame, columns, rows, bytesPerSample, where);
}
function swapPairs(bytes) {
    for (let i = 0; i + 1 < bytes.length; i += 2) {
        const t = bytes[i];
        bytes[i] = bytes[i + 1];
        bytes[i + 1] = t;
    }
}
function concat(buffers) {
    if (buffers.length === 1)
        return new Uint8Array(buffers[0]);
    const out = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
    let at = 0;
    for (const b of buffers) {
        out.set(new Uint8Array(b), at);
        at += b.byteLength;
    }
    return out;
}
