/**
 * Bounded streaming gunzip for .nii.gz: decompresses chunk by chunk, keeps the header window and
 * copies the first volume's bytes straight into one preallocated buffer, and discards the rest.
 * Memory stays at the decoded volume plus a few chunks whatever the file claims, and output past
 * the header-implied size (a decompression bomb, or junk) is refused as soon as it appears.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { UnisegError } from "../../errors.js";
/** zlib output chunk: large, so a 200 MB volume costs ~200 callbacks rather than ~12,000. */
const INFLATE_CHUNK_BYTES = 1024 * 1024;
/** Thrown by the sink to end the pipeline early once everything wanted has arrived. */
class StopReading extends Error {
}
/**
 * Gunzips `input`. Once `headerWindow` bytes (or the whole stream, if shorter) have arrived,
 * `plan` is called with them to say which bytes to keep; it may throw to refuse the file.
 */
export async function gunzipVolume(input, where, headerWindow, plan) {
    const header = new Uint8Array(headerWindow);
    let headerFill = 0;
    let chosen;
    let data;
    let dataFill = 0;
    let position = 0;
    const decide = () => {
        chosen = plan(header.subarray(0, headerFill));
        data = new Uint8Array(allocate(chosen.dataBytes, where));
        // The header window may already hold the start of the data (tiny files).
        dataFill += copyOverlap(header.subarray(0, headerFill), 0, data, chosen.dataOffset);
    };
    const take = (chunk) => {
        const start = position;
        position += chunk.length;
        if (!chosen) {
            if (start < headerWindow) {
                const n = Math.min(chunk.length, headerWindow - start);
                header.set(chunk.subarray(0, n), start);
                headerFill = start + n;
            }
            if (headerFill < headerWindow)
                return;
            decide();
            if (position > headerWindow)
                dataFill += copyOverlap(chunk, start, data, chosen.dataOffset, headerWindow);
        }
        else {
            dataFill += copyOverlap(chunk, start, data, chosen.dataOffset);
        }
        if (position > chosen.limitBytes) {
            throw new UnisegError('NIFTI_DECOMPRESSION_LIMIT', `${where}: gzip data decompresses past ${chosen.limitBytes} bytes, more than the header implies; refusing it (decompression bomb?)`, { file: where, field: 'gzip', limitBytes: chosen.limitBytes, decompressedBytes: position });
        }
        if (chosen.stopAfterData && dataFill === chosen.dataBytes)
            throw new StopReading();
    };
    const sink = new Writable({
        highWaterMark: INFLATE_CHUNK_BYTES,
        write(chunk, _encoding, callback) {
            try {
                take(chunk);
                callback();
            }
            catch (error) {
                callback(error);
            }
        },
    });
    let complete = true;
    try {
        await pipeline(input, zlib.createGunzip({ chunkSize: INFLATE_CHUNK_BYTES }), sink);
    }
    catch (error) {
        if (error instanceof StopReading)
            complete = false;
        else
            throw translate(error, where, position);
    }
    if (!chosen)
        decide();
    if (dataFill < chosen.dataBytes) {
        const expected = chosen.dataOffset + chosen.dataBytes;
        throw new UnisegError('NIFTI_TRUNCATED', `${where}: voxel data ends early: expected ${expected} bytes decompressed (vox_offset ${chosen.dataOffset} + ${chosen.dataBytes}), found ${position}`, { file: where, field: 'data', expectedBytes: expected, presentBytes: position });
    }
    return { header: header.subarray(0, headerFill), data: data, decompressedBytes: position, complete };
}
/**
 * Copies the part of `chunk` (which starts at stream position `chunkStart`) that falls inside
 * target's window [targetStart, targetStart + target.length), skipping stream positions below
 * `from`. Returns the number of bytes copied.
 */
function copyOverlap(chunk, chunkStart, target, targetStart, from = 0) {
    const lo = Math.max(chunkStart, targetStart, from);
    const hi = Math.min(chunkStart + chunk.length, targetStart + target.length);
    if (hi <= lo)
        return 0;
    target.set(chunk.subarray(lo - chunkStart, hi - chunkStart), lo - targetStart);
    return hi - lo;
}
/** One ArrayBuffer for the decoded volume; an allocation failure is a size problem, reported as such. */
export function allocate(bytes, where) {
    try {
        return new ArrayBuffer(bytes);
    }
    catch (error) {
        throw new UnisegError('NIFTI_TOO_LARGE', `${where}: cannot allocate ${bytes} bytes for the voxel data`, { file: where, bytes }, { cause: error });
    }
}
function translate(error, where, position) {
    if (error instanceof UnisegError)
        return error;
    const err = error;
    const message = err?.message ?? String(error);
    if (err?.code === 'Z_BUF_ERROR') {
        return new UnisegError('NIFTI_TRUNCATED', `${where}: gzip stream ends early (${message}); ${position} bytes had been decompressed`, {
            file: where,
            field: 'gzip',
            presentBytes: position,
            zlib: message,
        });
    }
    if (typeof err?.code === 'string' && err.code.startsWith('Z_')) {
        return new UnisegError('NIFTI_NOT_NIFTI', `${where}: corrupt gzip data (${message}); ${position} bytes had been decompressed`, {
            file: where,
            field: 'gzip',
            presentBytes: position,
            zlib: message,
        });
    }
    return new UnisegError('NIFTI_TRUNCATED', `${where}: reading failed after ${position} decompressed bytes: ${message}`, { file: where }, { cause: error });
}
