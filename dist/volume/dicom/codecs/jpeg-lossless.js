/** JPEG Lossless, process 14 (first-order prediction SV1 and the other selection values), via jpeg-lossless-decoder-js. */
import { createRequire } from 'node:module';
import { UnisegError } from "../../../errors.js";
let Decoder;
/** Loaded on first use; the package's declared typings are missing from its release folder, so it is typed here. */
function decoder() {
    Decoder ??= createRequire(import.meta.url)('jpeg-lossless-decoder-js').Decoder;
    return new Decoder();
}
/** Decodes one frame to little-endian bytes of `bytesPerSample` per sample (the raw bit patterns). */
export function decodeJpegLossless(frame, pixels, bytesPerSample, where) {
    let samples;
    try {
        samples = decoder().decode(frame.buffer, frame.byteOffset, frame.byteLength, bytesPerSample);
    }
    catch (error) {
        throw new UnisegError('DICOM_INVALID', `${where}: corrupt JPEG Lossless pixel data (${error.message})`, { file: where }, { cause: error });
    }
    if (samples.length !== pixels) {
        throw new UnisegError('DICOM_INVALID', `${where}: JPEG Lossless frame decodes to ${samples.length} samples; Rows x Columns is ${pixels}`, { file: where, samples: samples.length, expected: pixels });
    }
    return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}
