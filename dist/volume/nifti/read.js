/**
 * readVolume: .nii or .nii.gz (gzip detected by its magic bytes, never by name), from a path or
 * from bytes in memory, to a Volume holding the first 3D volume.
 *
 * Memory: an uncompressed file is read straight into one buffer of the first volume's size; a
 * gzip file is inflated chunk by chunk into that same single buffer (gunzip.ts). Native-order
 * data then becomes the typed array without a further copy.
 */
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { UnisegError } from "../../errors.js";
import { makeVolume } from "../volume.js";
import { decodeVoxels } from "./decode.js";
import { allocate, gunzipVolume } from "./gunzip.js";
import { NIFTI2_HEADER_BYTES, parseHeader } from "./header.js";
import { planLayout } from "./layout.js";
import { DECOMPRESSION_SLACK_BYTES, DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_MAX_VOXELS, DEFAULT_NON_FINITE, } from "./options.js";
import { headerAffine } from "./xform.js";
/** The name used in messages for in-memory input. */
export const BYTES_SOURCE = '<bytes>';
/** File read size: large, so a big file costs few system calls. */
const READ_CHUNK_BYTES = 16 * 1024 * 1024;
/** Compressed bytes fed to gunzip per step (file reads, or views of in-memory input). */
const FEED_CHUNK_BYTES = 4 * 1024 * 1024;
/**
 * Reads the first 3D volume of a NIfTI-1/2 file (.nii or .nii.gz) from a path or from bytes.
 * Values are scaled by scl_slope/scl_inter when that changes them (then float32), else kept in
 * the on-disk type. For in-memory uncompressed input in native byte order the returned data may
 * be a view of `pathOrBytes` (no copy): do not modify the bytes while the volume is in use.
 */
export async function readVolume(pathOrBytes, options = {}) {
    const opts = resolveOptions(options);
    const raw = typeof pathOrBytes === 'string' ? await readFromPath(pathOrBytes, opts) : await readFromBytes(pathOrBytes, opts);
    return assemble(raw, typeof pathOrBytes === 'string' ? pathOrBytes : BYTES_SOURCE, opts);
}
function assemble(raw, where, opts) {
    const { header, layout } = raw;
    const warnings = [...layout.warnings];
    const geometry = headerAffine(header, where, warnings);
    const data = decodeVoxels({
        bytes: raw.bytes,
        owned: raw.owned,
        littleEndian: header.littleEndian,
        datatype: layout.datatype,
        sclSlope: header.sclSlope,
        sclInter: header.sclInter,
        nonFinite: opts.nonFinite,
        where,
        warnings,
    });
    const source = {
        path: where,
        datatype: layout.datatype.name,
        niftiVersion: header.version,
        littleEndian: header.littleEndian,
        frames: layout.frames,
        sclSlope: header.sclSlope,
        sclInter: header.sclInter,
        qformCode: header.qformCode,
        sformCode: header.sformCode,
        warnings,
    };
    return makeVolume(data, layout.shape, geometry.affine, source);
}
async function readFromPath(path, opts) {
    const fh = await openForReading(path);
    try {
        const size = (await fh.stat()).size;
        const prefix = new Uint8Array(Math.min(size, NIFTI2_HEADER_BYTES));
        await readFully(fh, prefix, 0, path);
        if (isGzip(prefix)) {
            const stream = fh.createReadStream({ start: 0, highWaterMark: FEED_CHUNK_BYTES, autoClose: false });
            return await readGzip(stream, path, opts);
        }
        const { header, layout } = planUncompressed(prefix, size, path, opts);
        const bytes = new Uint8Array(allocate(layout.frameBytes, path));
        await readFully(fh, bytes, layout.dataOffset, path);
        return { header, layout, bytes, owned: true };
    }
    finally {
        await fh.close();
    }
}
async function readFromBytes(bytes, opts) {
    if (isGzip(bytes))
        return readGzip(Readable.from(slices(bytes)), BYTES_SOURCE, opts);
    const { header, layout } = planUncompressed(bytes, bytes.length, BYTES_SOURCE, opts);
    const view = bytes.subarray(layout.dataOffset, layout.dataOffset + layout.frameBytes);
    return { header, layout, bytes: view, owned: false };
}
async function readGzip(input, where, opts) {
    let header;
    let layout;
    const plan = (prefix) => {
        header = parseHeader(prefix, where);
        layout = planLayout(header, where, opts.maxVoxels);
        const needed = layout.dataOffset + layout.frameBytes;
        if (needed > opts.maxDecompressedBytes) {
            throw new UnisegError('NIFTI_DECOMPRESSION_LIMIT', `${where}: the first volume ends at decompressed byte ${needed} (vox_offset ${layout.dataOffset} + ${layout.frameBytes}), ` +
                `over the limit of ${opts.maxDecompressedBytes} (option maxDecompressedBytes)`, { file: where, field: 'vox_offset', value: layout.dataOffset, neededBytes: needed, maxDecompressedBytes: opts.maxDecompressedBytes });
        }
        const implied = layout.dataOffset + layout.totalDataBytes;
        return {
            dataOffset: layout.dataOffset,
            dataBytes: layout.frameBytes,
            stopAfterData: layout.frames > 1,
            limitBytes: Math.min(implied + DECOMPRESSION_SLACK_BYTES, opts.maxDecompressedBytes),
        };
    };
    const result = await gunzipVolume(input, where, NIFTI2_HEADER_BYTES, plan);
    return { header: header, layout: layout, bytes: result.data, owned: true };
}
function planUncompressed(prefix, size, where, opts) {
    const header = parseHeader(prefix, where);
    const layout = planLayout(header, where, opts.maxVoxels);
    const needed = layout.dataOffset + layout.totalDataBytes;
    if (needed > size) {
        const what = layout.frames > 1 ? `${layout.frames} volumes of ${layout.frameBytes} bytes` : `${layout.frameBytes} bytes of voxels`;
        throw new UnisegError('NIFTI_TRUNCATED', `${where}: header implies ${needed} bytes (vox_offset ${layout.dataOffset} + ${what}) but the file has ${size}`, { file: where, field: 'dim', expectedBytes: needed, presentBytes: size });
    }
    return { header, layout };
}
async function openForReading(path) {
    let fh;
    try {
        fh = await open(path, 'r');
    }
    catch (error) {
        const code = error.code;
        const why = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be opened (${code})`;
        throw new UnisegError('FILE_NOT_FOUND', `${path}: file ${why}`, { file: path, errno: code }, { cause: error });
    }
    const stat = await fh.stat();
    if (!stat.isFile()) {
        await fh.close();
        throw new UnisegError('FILE_NOT_FOUND', `${path}: not a regular file`, { file: path });
    }
    return fh;
}
async function readFully(fh, target, position, where) {
    let done = 0;
    while (done < target.length) {
        const length = Math.min(target.length - done, READ_CHUNK_BYTES);
        const { bytesRead } = await fh.read(target, done, length, position + done);
        if (bytesRead === 0) {
            // The file shrank after stat(): report it like any other short file.
            throw new UnisegError('NIFTI_TRUNCATED', `${where}: expected ${target.length} bytes at offset ${position}, file ended after ${done}`, {
                file: where,
                expectedBytes: target.length,
                presentBytes: done,
            });
        }
        done += bytesRead;
    }
}
function isGzip(bytes) {
    return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}
function* slices(bytes) {
    for (let start = 0; start < bytes.length; start += FEED_CHUNK_BYTES) {
        const end = Math.min(bytes.length, start + FEED_CHUNK_BYTES);
        yield Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
    }
}
function resolveOptions(options) {
    const maxVoxels = options.maxVoxels ?? DEFAULT_MAX_VOXELS;
    const maxDecompressedBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
    const nonFinite = options.nonFinite ?? DEFAULT_NON_FINITE;
    for (const [field, value] of [
        ['maxVoxels', maxVoxels],
        ['maxDecompressedBytes', maxDecompressedBytes],
    ]) {
        if (!(typeof value === 'number' && value > 0)) {
            throw new UnisegError('INVALID_ARGUMENT', `readVolume option ${field} must be a positive number; got ${String(value)}`, { field, value });
        }
    }
    if (nonFinite !== 'error' && nonFinite !== 'zero') {
        throw new UnisegError('INVALID_ARGUMENT', `readVolume option nonFinite must be 'error' or 'zero'; got ${String(nonFinite)}`, {
            field: 'nonFinite',
            value: nonFinite,
        });
    }
    return { maxVoxels, maxDecompressedBytes, nonFinite };
}
