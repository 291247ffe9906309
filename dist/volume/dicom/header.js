/**
 * The attributes of one DICOM object that grouping, geometry and decoding need, pulled out of
 * dcmjs's naturalized dataset and checked once, so later stages work with plain typed fields.
 */
import { UnisegError } from "../../errors.js";
export function summarize(parsed, where) {
    const ds = parsed.dataset;
    return {
        where,
        modality: text(ds.Modality),
        sopClassUID: text(ds.SOPClassUID),
        seriesInstanceUID: text(ds.SeriesInstanceUID),
        hasPixels: parsed.hasPixels,
        imageType: list(ds.ImageType).map((v) => String(v).toUpperCase()),
    };
}
/** The slice header of an image object; a missing or malformed geometry attribute is DICOM_INVALID naming the file and attribute. */
export function sliceHeader(parsed, where, entry) {
    const ds = parsed.dataset;
    const summary = summarize(parsed, where);
    const ipp = numbers(ds, 'ImagePositionPatient', 3, where);
    const iop = numbers(ds, 'ImageOrientationPatient', 6, where);
    const spacing = numbers(ds, 'PixelSpacing', 2, where);
    if (!(spacing[0] > 0 && spacing[1] > 0))
        invalid(where, 'PixelSpacing', spacing, 'two positive numbers');
    return {
        where,
        entry,
        transferSyntaxUID: parsed.transferSyntaxUID,
        sopClassUID: summary.sopClassUID,
        sopInstanceUID: text(ds.SOPInstanceUID),
        seriesInstanceUID: summary.seriesInstanceUID,
        studyInstanceUID: text(ds.StudyInstanceUID),
        frameOfReferenceUID: text(ds.FrameOfReferenceUID),
        modality: summary.modality,
        seriesDescription: text(ds.SeriesDescription),
        imageType: summary.imageType,
        rows: integer(ds, 'Rows', where),
        columns: integer(ds, 'Columns', where),
        imagePositionPatient: [ipp[0], ipp[1], ipp[2]],
        imageOrientationPatient: [iop[0], iop[1], iop[2], iop[3], iop[4], iop[5]],
        pixelSpacing: [spacing[0], spacing[1]],
        rescaleSlope: optionalNumber(ds, 'RescaleSlope', 1, where),
        rescaleIntercept: optionalNumber(ds, 'RescaleIntercept', 0, where),
        pixel: {
            bitsAllocated: integer(ds, 'BitsAllocated', where),
            bitsStored: optionalInteger(ds, 'BitsStored', integer(ds, 'BitsAllocated', where), where),
            signed: optionalInteger(ds, 'PixelRepresentation', 0, where) === 1,
            samplesPerPixel: optionalInteger(ds, 'SamplesPerPixel', 1, where),
            photometric: text(ds.PhotometricInterpretation) || 'MONOCHROME2',
            frames: optionalInteger(ds, 'NumberOfFrames', 1, where),
        },
        gantryTilt: optionalNumber(ds, 'GantryDetectorTilt', 0, where),
        dataset: ds,
    };
}
function list(value) {
    if (value === undefined || value === null)
        return [];
    return Array.isArray(value) ? value : [value];
}
function text(value) {
    const first = list(value)[0];
    return first === undefined || first === null ? '' : String(first).trim();
}
function numbers(ds, keyword, count, where) {
    const values = list(ds[keyword]).map(Number);
    if (values.length !== count || !values.every(Number.isFinite))
        invalid(where, keyword, ds[keyword], `${count} numbers`);
    return values;
}
function integer(ds, keyword, where) {
    const value = Number(list(ds[keyword])[0]);
    if (!Number.isInteger(value) || value <= 0)
        invalid(where, keyword, ds[keyword], 'a positive integer');
    return value;
}
function optionalInteger(ds, keyword, fallback, where) {
    const values = list(ds[keyword]);
    if (values.length === 0 || values[0] === '' || values[0] === null)
        return fallback;
    const value = Number(values[0]);
    if (!Number.isInteger(value) || value < 0)
        invalid(where, keyword, ds[keyword], 'a non-negative integer');
    return value;
}
function optionalNumber(ds, keyword, fallback, where) {
    const values = list(ds[keyword]);
    if (values.length === 0 || values[0] === '' || values[0] === null)
        return fallback;
    const value = Number(values[0]);
    if (!Number.isFinite(value))
        invalid(where, keyword, ds[keyword], 'a number');
    return value;
}
function invalid(where, keyword, value, expected) {
    throw new UnisegError('DICOM_INVALID', `${where}: ${keyword} must be ${expected}; got ${JSON.stringify(value ?? null)}`, { file: where, attribute: keyword, value: value ?? null });
}
