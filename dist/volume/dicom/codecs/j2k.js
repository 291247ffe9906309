/**
 * JPEG 2000 (lossless and lossy) via @cornerstonejs/codec-openjpeg, OpenJPEG built to
 * WebAssembly (no native install step). The module is instantiated once, on first use.
 */
import { createRequire } from 'node:module';
import { UnisegError } from "../../../errors.js";
let instance;
function openjpeg() {
    // OpenJPEG reports progress ("[INFO] Start to read j2k main header") on stdout; silence it.
    const quiet = () => undefined;
    instance ??= createRequire(import.meta.url)('@cornerstonejs/codec-openjpeg/decodewasmjs')({ print: quiet, printErr: quiet });
    return instance;
}
/** Decodes one frame to little-endian bytes of `bytesPerSample` per sample. */
export async function decodeJ2k(frame, columns, rows, bytesPerSample, where) {
    const codec = await openjpeg();
    const decoder = new codec.J2KDecoder();
    try {
        decoder.getEncodedBuffer(frame.length).set(frame);
        try {
            decoder.decode();
        }
        catch (error) {
            throw new UnisegError('DICOM_INVALID', `${where}: corrupt JPEG 2000 pixel data (${String(error)})`, { file: where }, { cause: error });
        }
        const info = decoder.getFrameInfo();
        const bytes = info.bitsPerSample > 8 ? 2 : 1;
        if (info.width !== columns || info.height !== rows || info.componentCount !== 1 || bytes !== bytesPerSample) {
            throw new UnisegError('DICOM_INVALID', `${where}: JPEG 2000 frame is ${info.width}x${info.height}, ${info.componentCount} component(s) of ${info.bitsPerSample} bits; the header says ${columns}x${rows}, 1 sample of ${bytesPerSample * 8} bits`, { file: where, frame: info });
        }
        // The decoded buffer is a view into the WebAssembly heap: copy it out before the decoder is freed.
        return decoder.getDecodedBuffer().slice();
    }
    finally {
        decoder.delete();
    }
}
