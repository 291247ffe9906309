/**
 * NIfTI-1 / NIfTI-2 header parsing with DataView.
 *
 * Why not nifti-reader-js (a dependency, checked field by field in the tests)? Its raw fields are
 * right, but its affine is not nibabel's: for NIfTI-1 it prefers the qform whenever
 * qform_code > sform_code, for NIfTI-2 it always takes srow, and it computes quatern_a without
 * guarding rounding below zero (NaN). It also walks extensions while reading the header, which we
 * do not need. We need the raw fields plus typed errors naming file, field and value, which is a few
 * dozen fixed offsets, so we read them here and decide the affine ourselves (xform.ts).
 */
import { UnisegError } from "../../errors.js";
export const NIFTI1_HEADER_BYTES = 348;
export const NIFTI2_HEADER_BYTES = 540;
/** Header plus the 4-byte extension flag: the smallest vox_offset of a single-file image. */
export const NIFTI1_MIN_DATA_OFFSET = 352;
export const NIFTI2_MIN_DATA_OFFSET = 544;
/**
 * Version and byte order from sizeof_hdr (the first int32), which is 348 or 540 in the file's
 * own byte order; trying both orders tells us which it is.
 */
export function sniffHeader(bytes, where) {
    if (bytes.length < 4) {
        throw new UnisegError('NIFTI_NOT_NIFTI', `${where}: only ${bytes.length} bytes; a NIfTI file starts with a 348- or 540-byte header`, {
            file: where,
            field: 'sizeof_hdr',
            bytes: bytes.length,
        });
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
    for (const littleEndian of [true, false]) {
        const size = view.getInt32(0, littleEndian);
        if (size === NIFTI1_HEADER_BYTES)
            return { version: 1, littleEndian, size };
        if (size === NIFTI2_HEADER_BYTES)
            return { version: 2, littleEndian, size };
    }
    const value = view.getInt32(0, true);
    throw new UnisegError('NIFTI_NOT_NIFTI', `${where}: sizeof_hdr is ${value} (little-endian reading); a NIfTI-1 header has 348, NIfTI-2 has 540`, {
        file: where,
        field: 'sizeof_hdr',
        value,
    });
}
/** Parses the fixed header. `bytes` may be longer than the header; shorter is NIFTI_TRUNCATED. */
export function parseHeader(bytes, where) {
    const kind = sniffHeader(bytes, where);
    if (bytes.length < kind.size) {
        throw new UnisegError('NIFTI_TRUNCATED', `${where}: NIfTI-${kind.version} header needs ${kind.size} bytes but only ${bytes.length} are present`, { file: where, field: 'header', expectedBytes: kind.size, presentBytes: bytes.length });
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, kind.size);
    const header = kind.version === 1 ? parseV1(view, kind.littleEndian) : parseV2(view, kind.littleEndian);
    checkMagic(header, where);
    return header;
}
function parseV1(v, le) {
    const i16 = (o) => v.getInt16(o, le);
    const f32 = (o) => v.getFloat32(o, le);
    return {
        version: 1,
        littleEndian: le,
        sizeofHdr: v.getInt32(0, le),
        magic: readString(v, 344, 4),
        dim: range(8).map((n) => i16(40 + 2 * n)),
        datatypeCode: i16(70),
        bitpix: i16(72),
        pixdim: range(8).map((n) => f32(76 + 4 * n)),
        voxOffset: f32(108),
        sclSlope: f32(112),
        sclInter: f32(116),
        xyztUnits: v.getUint8(123),
        intentCode: i16(68),
        qformCode: i16(252),
        sformCode: i16(254),
        quatern: [f32(256), f32(260), f32(264)],
        qoffset: [f32(268), f32(272), f32(276)],
        srow: range(3).map((r) => range(4).map((c) => f32(280 + 16 * r + 4 * c))),
    };
}
function parseV2(v, le) {
    const i64 = (o) => Number(v.getBigInt64(o, le));
    const f64 = (o) => v.getFloat64(o, le);
    return {
        version: 2,
        littleEndian: le,
        sizeofHdr: v.getInt32(0, le),
        magic: readString(v, 4, 8),
        datatypeCode: v.getInt16(12, le),
        bitpix: v.getInt16(14, le),
        dim: range(8).map((n) => i64(16 + 8 * n)),
        pixdim: range(8).map((n) => f64(104 + 8 * n)),
        voxOffset: i64(168),
        sclSlope: f64(176),
        sclInter: f64(184),
        qformCode: v.getInt32(344, le),
        sformCode: v.getInt32(348, le),
        quatern: [f64(352), f64(360), f64(368)],
        qoffset: [f64(376), f64(384), f64(392)],
        srow: range(3).map((r) => range(4).map((c) => f64(400 + 32 * r + 8 * c))),
        xyztUnits: v.getInt32(500, le),
        intentCode: v.getInt32(504, le),
    };
}
/** NIfTI-2 magic is 'n+2\0' followed by the 0D 0A 1A 0A transfer-damage check. */
const NIFTI2_EOL = '\r\n\x1a\n';
function checkMagic(h, where) {
    const single = h.version === 1 ? 'n+1\0' : `n+2\0${NIFTI2_EOL}`;
    const pair = h.version === 1 ? 'ni1\0' : `ni2\0${NIFTI2_EOL}`;
    if (h.magic === single)
        return;
    const shown = JSON.stringify(h.magic);
    if (h.magic.slice(0, 3) === pair.slice(0, 3)) {
        throw new UnisegError('NIFTI_BAD_HEADER', `${where}: magic is ${shown}, the header of a .hdr/.img pair; uniseg reads single-file .nii/.nii.gz only`, { file: where, field: 'magic', value: h.magic });
    }
    if (h.magic.slice(0, 4) === single.slice(0, 4)) {
        // Only the NIfTI-2 line-ending check bytes differ: the file went through a text-mode transfer.
        throw new UnisegError('NIFTI_BAD_HEADER', `${where}: NIfTI-2 magic ends ${shown}; the 0D 0A 1A 0A check bytes are damaged (text-mode transfer?)`, {
            file: where,
            field: 'magic',
            value: h.magic,
        });
    }
    throw new UnisegError('NIFTI_NOT_NIFTI', `${where}: magic is ${shown}, expected ${JSON.stringify(single.slice(0, 4))} for NIfTI-${h.version}`, {
        file: where,
        field: 'magic',
        value: h.magic,
    });
}
function readString(v, offset, length) {
    let s = '';
    for (let i = 0; i < length; i++)
        s += String.fromCharCode(v.getUint8(offset + i));
    return s;
}
function range(n) {
    return Array.from({ length: n }, (_, i) => i);
}
