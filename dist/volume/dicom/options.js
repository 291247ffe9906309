/** Options for reading a DICOM series, and their defaults. */
import { UnisegError } from "../../errors.js";
import { DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_MAX_VOXELS } from "../nifti/options.js";
export const DEFAULT_MAX_FILES = 100_000;
export function resolveOptions(options) {
    const resolved = {
        maxVoxels: options.maxVoxels ?? DEFAULT_MAX_VOXELS,
        maxDecompressedBytes: options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
        maxFiles: options.maxFiles ?? DEFAULT_MAX_FILES,
    };
    for (const [field, value] of Object.entries(resolved)) {
        if (!(typeof value === 'number' && value > 0)) {
            throw new UnisegError('INVALID_ARGUMENT', `DICOM read option ${field} must be a positive number; got ${String(value)}`, { field, value });
        }
    }
    if (options.series !== undefined && !/^[0-9]+(\.[0-9]+)*$/.test(options.series)) {
        throw new UnisegError('INVALID_ARGUMENT', `series must be a SeriesInstanceUID (digits and dots, e.g. 1.2.840.113619.2.55.3); got ${JSON.stringify(options.series)}`, {
            field: 'series',
            value: options.series,
        });
    }
    return options.series === undefined ? resolved : { ...resolved, series: options.series };
}
