/**
 * readDicomSeries: a folder (nested folders allowed), a .zip or one DICOM file -> the Volume of
 * one series. Two passes: headers of every file (to group, skip and pick), then the chosen
 * slices' pixels, decoded one slice at a time into a single buffer.
 */
import { isUnisegError, UnisegError } from "../../errors.js";
import { makeVolume } from "../volume.js";
import { isDicomPart10, parseDicom } from "./dcmjs.js";
import { decodeFrame } from "./decode.js";
import { folderEntries, memoryEntries } from "./entries.js";
import { seriesGrid } from "./geometry.js";
import { sliceHeader, summarize } from "./header.js";
import { resolveOptions } from "./options.js";
import { copyFrame, rescale, storedArray } from "./pixels.js";
import { emptySkipped, keepObject, selectSeries } from "./select.js";
import { unzipInMemory } from "./zip.js";
/** Attributes that belong to one slice, not to the patient, study or series: left out of DicomSeriesInfo.header. */
const PER_INSTANCE = ['SOPInstanceUID', 'InstanceNumber', 'ImagePositionPatient', 'SliceLocation', 'InstanceCreationDate', 'InstanceCreationTime', 'ContentTime', 'AcquisitionTime', 'PixelData'];
export async function readDicomSeries(input, options = {}) {
    const opts = resolveOptions(options);
    const where = input.kind === 'folder' ? input.path : input.where;
    const entries = await entriesOf(input, opts);
    const { slices, skipped, broken } = await readHeaders(entries);
    const selection = selectSeries(where, slices, skipped, opts.series);
    const brokenSlice = broken.get(selection.series);
    if (brokenSlice)
        throw brokenSlice;
    const grid = seriesGrid(selection.series, selection.slices);
    const first = grid.slices[0];
    const format = pixelFormat(selection.series, grid.slices);
    const pixels = first.rows * first.columns;
    const voxels = pixels * grid.slices.length;
    if (voxels > opts.maxVoxels) {
        throw new UnisegError('DICOM_TOO_LARGE', `${where}: series ${selection.series} has ${first.columns} x ${first.rows} x ${grid.slices.length} = ${voxels} voxels, over the limit of ${opts.maxVoxels} (option maxVoxels)`, {
            file: where,
            series: selection.series,
            voxels,
            maxVoxels: opts.maxVoxels,
        });
    }
    const stored = storedArray(format, pixels, grid.slices.length, where);
    const ranges = [];
    for (const [k, slice] of grid.slices.entries()) {
        const parsed = parseDicom(await entries[slice.entry].read(), slice.where, false);
        const frame = await decodeFrame(slice, parsed.pixelData, selection.series);
        ranges.push(copyFrame(frame, format, stored, k, pixels));
    }
    const values = rescale(stored, grid.slices.map((s) => ({ slope: s.rescaleSlope, intercept: s.rescaleIntercept })), ranges, pixels);
    const source = { path: where, datatype: values.datatype, warnings: selection.notes };
    const volume = makeVolume(values.data, [first.columns, first.rows, grid.slices.length], grid.affine, source);
    return { ...volume, dicom: seriesInfo(selection.series, grid.slices) };
}
async function entriesOf(input, opts) {
    if (input.kind === 'folder')
        return folderEntries(input.path, opts.maxFiles);
    if (input.kind === 'zip')
        return memoryEntries(unzipInMemory(input.bytes, input.where, { maxBytes: opts.maxDecompressedBytes, maxEntries: opts.maxFiles }));
    return memoryEntries([{ name: input.where, bytes: input.bytes }]);
}
async function readHeaders(entries) {
    const skipped = emptySkipped();
    const slices = [];
    // A slice whose geometry cannot be read only matters if its series is the one chosen.
    const broken = new Map();
    for (const [index, entry] of entries.entries()) {
        const bytes = await entry.read();
        if (!isDicomPart10(bytes)) {
            skipped.notDicom.push(entry.name);
            continue;
        }
        let parsed;
        try {
            parsed = parseDicom(bytes, entry.name, true);
        }
        catch (error) {
            if (!isUnisegError(error))
                throw error;
            skipped.notDicom.push(entry.name);
            continue;
        }
        const summary = summarize(parsed, entry.name);
        if (!keepObject(summary, skipped))
            continue;
        try {
            slices.push(sliceHeader(parsed, entry.name, index));
        }
        catch (error) {
            if (!isUnisegError(error))
                throw error;
            if (!broken.has(summary.seriesInstanceUID))
                broken.set(summary.seriesInstanceUID, error);
        }
    }
    return { slices, skipped, broken };
}
function pixelFormat(series, slices) {
    const format = slices[0].pixel;
    const where = slices[0].where;
    const refuse = (why) => {
        throw new UnisegError('DICOM_UNSUPPORTED_PIXELS', `${where}: series ${series} ${why}`, { file: where, series, pixel: format });
    };
    if (format.samplesPerPixel !== 1 || !format.photometric.startsWith('MONOCHROME')) {
        refuse(`has ${format.samplesPerPixel} sample(s) per pixel, ${format.photometric}; a CT is one grey sample per pixel (MONOCHROME1/2)`);
    }
    if (format.bitsAllocated !== 8 && format.bitsAllocated !== 16)
        refuse(`has BitsAllocated ${format.bitsAllocated}; 8 or 16 are read`);
    if (format.bitsStored < 1 || format.bitsStored > format.bitsAllocated)
        refuse(`has BitsStored ${format.bitsStored} with BitsAllocated ${format.bitsAllocated}`);
    if (format.frames !== 1)
        refuse(`is a multi-frame object (${format.frames} frames); uniseg reads series of single-frame slices`);
    const odd = slices.find((s) => JSON.stringify(s.pixel) !== JSON.stringify(format));
    if (odd) {
        throw new UnisegError('DICOM_UNSUPPORTED_PIXELS', `series ${series}: ${odd.where} stores pixels as ${JSON.stringify(odd.pixel)} but ${where} as ${JSON.stringify(format)}; one encoding per series is read`, {
            series,
            files: [where, odd.where],
        });
    }
    return format;
}
function seriesInfo(series, slices) {
    const first = slices[0];
    const header = { ...first.dataset };
    for (const key of PER_INSTANCE)
        delete header[key];
    return {
        studyInstanceUID: first.studyInstanceUID,
        seriesInstanceUID: series,
        frameOfReferenceUID: first.frameOfReferenceUID,
        modality: first.modality,
        transferSyntaxUID: first.transferSyntaxUID,
        imageOrientationPatient: first.imageOrientationPatient,
        pixelSpacing: first.pixelSpacing,
        rows: first.rows,
        columns: first.columns,
        instances: slices.map((s) => ({ sopClassUID: s.sopClassUID, sopInstanceUID: s.sopInstanceUID, imagePositionPatient: s.imagePositionPatient })),
        header,
    };
}
