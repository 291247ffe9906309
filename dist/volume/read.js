/**
 * readVolume: every way a CT arrives, from a path or from bytes. A folder is a DICOM series; a
 * file or bytes starting like a zip is a zipped series; a DICOM Part 10 file is a one-file
 * series; anything else goes to the NIfTI reader unchanged (so NIfTI input behaves exactly as
 * before, errors included).
 */
import { open, readFile, stat } from 'node:fs/promises';
import { UnisegError } from "../errors.js";
import { readDicomSeries, isDicomPart10, isZip } from "./dicom/index.js";
import { BYTES_SOURCE, readVolume as readNifti } from "./nifti/index.js";
/** Enough bytes to see a zip's magic or a DICOM preamble and "DICM". */
const SNIFF_BYTES = 132;
export async function readVolume(pathOrBytes, options = {}) {
    const { series, maxFiles, ...nifti } = options;
    const dicom = { series, maxFiles, maxVoxels: options.maxVoxels, maxDecompressedBytes: options.maxDecompressedBytes };
    if (typeof pathOrBytes !== 'string') {
        if (isZip(pathOrBytes))
            return readDicomSeries({ kind: 'zip', bytes: pathOrBytes, where: BYTES_SOURCE }, dicom);
        if (isDicomPart10(pathOrBytes))
            return readDicomSeries({ kind: 'file', bytes: pathOrBytes, where: BYTES_SOURCE }, dicom);
        return readNifti(pathOrBytes, niftiOnly(BYTES_SOURCE, series, nifti));
    }
    const info = await stat(pathOrBytes).catch(() => undefined);
    if (info?.isDirectory())
        return readDicomSeries({ kind: 'folder', path: pathOrBytes }, dicom);
    if (info?.isFile()) {
        const head = await sniff(pathOrBytes);
        if (isZip(head))
            return readDicomSeries({ kind: 'zip', bytes: await readFile(pathOrBytes), where: pathOrBytes }, dicom);
        if (isDicomPart10(head))
            return readDicomSeries({ kind: 'file', bytes: await readFile(pathOrBytes), where: pathOrBytes }, dicom);
    }
    return readNifti(pathOrBytes, niftiOnly(pathOrBytes, series, nifti));
}
function niftiOnly(where, series, options) {
    if (series !== undefined) {
        throw new UnisegError('INVALID_ARGUMENT', `${where}: series ${series} was asked for, but this is not a DICOM folder, zip or file; series picks one series of a DICOM input`, {
            field: 'series',
            value: series,
            file: where,
        });
    }
    return options;
}
async function sniff(path) {
    const fh = await open(path, 'r');
    try {
        const head = new Uint8Array(SNIFF_BYTES);
        const { bytesRead } = await fh.read(head, 0, SNIFF_BYTES, 0);
        return head.subarray(0, bytesRead);
    }
    finally {
        await fh.close();
    }
}
