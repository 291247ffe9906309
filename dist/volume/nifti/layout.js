/**
 * From a parsed header to where the first volume's voxels are and how big they are, with every
 * size decision taken here, before anything is allocated or decompressed.
 */
import { UnisegError } from "../../errors.js";
import { datatypeByCode, unsupportedDatatypeName } from "./datatypes.js";
import { NIFTI1_MIN_DATA_OFFSET, NIFTI2_MIN_DATA_OFFSET } from "./header.js";
export function planLayout(h, where, maxVoxels) {
    const warnings = [];
    const ndim = h.dim[0];
    if (!Number.isInteger(ndim) || ndim < 1 || ndim > 7) {
        throw new UnisegError('NIFTI_BAD_DIMENSION', `${where}: dim[0] is ${ndim}; it must be the number of dimensions, 1 to 7`, {
            file: where,
            field: 'dim[0]',
            value: ndim,
        });
    }
    for (let n = 1; n <= ndim; n++) {
        const size = h.dim[n];
        if (!Number.isSafeInteger(size) || size < 1) {
            throw new UnisegError('NIFTI_BAD_DIMENSION', `${where}: dim[${n}] is ${size}; every used dimension (1..dim[0]=${ndim}) must be >= 1`, {
                file: where,
                field: `dim[${n}]`,
                value: size,
                dim: [...h.dim],
            });
        }
    }
    // Dimensions past dim[0] are unused by definition (nibabel ignores them too); absent spatial ones are 1.
    const shape = [h.dim[1], ndim >= 2 ? h.dim[2] : 1, ndim >= 3 ? h.dim[3] : 1];
    const voxels = shape[0] * shape[1] * shape[2];
    if (voxels > maxVoxels) {
        throw new UnisegError('NIFTI_TOO_LARGE', `${where}: dim [${shape.join(', ')}] is ${voxels} voxels per volume, over the limit of ${maxVoxels} (option maxVoxels)`, { file: where, field: 'dim', value: [...shape], voxels, maxVoxels });
    }
    let frames = 1;
    for (let n = 4; n <= ndim; n++)
        frames *= h.dim[n];
    if (frames > 1)
        warnings.push(`${ndim}D file with ${frames} volumes: read the first`);
    const datatype = datatypeByCode(h.datatypeCode);
    if (!datatype) {
        throw new UnisegError('NIFTI_UNSUPPORTED_DATATYPE', `${where}: datatype code ${h.datatypeCode} (${unsupportedDatatypeName(h.datatypeCode)}) is not supported; ` +
            'uniseg reads uint8, int8, int16, uint16, int32, uint32, float32 and float64', { file: where, field: 'datatype', value: h.datatypeCode, name: unsupportedDatatypeName(h.datatypeCode) });
    }
    if (h.bitpix !== datatype.bytes * 8) {
        warnings.push(`bitpix is ${h.bitpix} but datatype ${datatype.name} has ${datatype.bytes * 8} bits: trusted the datatype`);
    }
    return {
        shape,
        frames,
        datatype,
        dataOffset: dataOffset(h, where, warnings),
        frameBytes: voxels * datatype.bytes,
        totalDataBytes: voxels * datatype.bytes * frames,
        warnings,
    };
}
function dataOffset(h, where, warnings) {
    const min = h.version === 1 ? NIFTI1_MIN_DATA_OFFSET : NIFTI2_MIN_DATA_OFFSET;
    const raw = h.voxOffset;
    if (!Number.isFinite(raw) || raw < 0 || raw > Number.MAX_SAFE_INTEGER) {
        throw new UnisegError('NIFTI_BAD_HEADER', `${where}: vox_offset is ${raw}; it must be a byte offset >= ${min}`, {
            file: where,
            field: 'vox_offset',
            value: raw,
        });
    }
    const offset = Math.floor(raw);
    if (offset < min) {
        // A single-file image cannot start its data inside the header. nibabel would read from 0
        // (header bytes as voxels); the NIfTI standard puts the data right after the header.
        warnings.push(`vox_offset is ${raw}, inside the header: read the data from byte ${min}`);
        return min;
    }
    return offset;
}
