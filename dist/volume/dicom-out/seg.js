import { DERIVATION_SEGMENTATION, PURPOSE_SOURCE_IMAGE, algorithmIdentification } from "./algorithm.js";
import {} from "./coding.js";
import { dcmjs, encodeDataset, writeAtomically } from "./encode.js";
import { codeItem, dicomDate, dicomTime, positionReferenceIndicator, ds, equipment, newInstance, newUid, patientAndStudy } from "./modules.js";
import { segmentColour } from "./palette.js";
import { outputSegments } from "./segments.js";
import { checkSources } from "./source.js";
export const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';
// Dimension index pointers: ReferencedSegmentNumber in SegmentIdentificationSequence, then
// ImagePositionPatient in PlanePositionSequence (tags as numbers, dcmjs's AT form).
const TAG = { ReferencedSegmentNumber: 0x0062000b, SegmentIdentificationSequence: 0x0062000a, ImagePositionPatient: 0x00200032, PlanePositionSequence: 0x00209113 };
function segmentItem(segment, algorithm) {
    const c = segment.coding;
    const modifier = c.laterality ? [codeItem(c.laterality)] : undefined;
    return {
        SegmentNumber: segment.number,
        SegmentLabel: segment.label,
        SegmentDescription: segment.description,
        SegmentAlgorithmType: 'AUTOMATIC',
        SegmentAlgorithmName: 'uniseg',
        SegmentationAlgorithmIdentificationSequence: [algorithm],
        SegmentedPropertyCategoryCodeSequence: [codeItem(c.category)],
        SegmentedPropertyTypeCodeSequence: [{ ...codeItem(c.type), ...(modifier && !c.anatomicRegion ? { SegmentedPropertyTypeModifierCodeSequence: modifier } : {}) }],
        ...(c.anatomicRegion ? { AnatomicRegionSequence: [{ ...codeItem(c.anatomicRegion), ...(modifier ? { AnatomicRegionModifierSequence: modifier } : {}) }] } : {}),
        RecommendedDisplayCIELabValue: dcmjs.data.Colors.rgb2DICOMLAB(segmentColour(segment.number).map((v) => v / 255)).map(Math.round),
    };
}
/** 1-bit pixels, first pixel in the lowest bit, frames packed back to back (no padding between frames). */
function packFrames(frames, perFrame) {
    const bytes = new Uint8Array(Math.ceil((frames.length * perFrame) / 8 / 2) * 2);
    frames.forEach(({ segment, k }, f) => {
        if (segment.voxels === 0)
            return;
        const { data, value } = segment;
        const from = k * perFrame;
        const bit0 = f * perFrame;
        for (let p = 0; p < perFrame; p++) {
            if (data[from + p] === value) {
                const bit = bit0 + p;
                bytes[bit >> 3] |= 1 << (bit & 7);
            }
        }
    });
    return bytes.buffer;
}
export function segDataset(ct, masks, options) {
    const { info, frame } = checkSources(ct, masks, 'dicom-seg');
    const segments = outputSegments(masks);
    const now = options.now ?? new Date();
    const [nx, ny] = ct.shape;
    const frames = segments.flatMap((segment) => segment.voxels === 0 ? [{ segment, k: 0 }] : segment.sliceVoxels.flatMap((n, k) => (n > 0 ? [{ segment, k }] : [])));
    const referenced = [...new Set(frames.map((f) => f.k))].sort((a, b) => a - b).map((k) => info.instances[k]);
    const algorithm = algorithmIdentification(options.provenance);
    const empty = segments.filter((s) => s.voxels === 0).map((s) => s.label);
    const position = (k) => frame.point(k, 0, 0).map(ds);
    const dimensionOrganizationUID = newUid();
    return {
        ...patientAndStudy(info),
        ...newInstance(SEGMENTATION_STORAGE, 'SEG', { number: options.seriesNumber ?? 900, description: options.seriesDescription ?? 'uniseg segmentation' }, now),
        FrameOfReferenceUID: info.frameOfReferenceUID,
        PositionReferenceIndicator: positionReferenceIndicator(info),
        ...equipment(options.provenance),
        ImageType: ['DERIVED', 'PRIMARY'],
        ContentDate: dicomDate(now),
        ContentTime: dicomTime(now),
        ContentLabel: 'UNISEG',
        ContentDescription: `uniseg ${options.provenance.unisegVersion}, package ${options.provenance.packageName}${empty.length ? `; empty: ${empty.join(', ')}` : ''}`.slice(0, 64),
        ContentCreatorName: '',
        SamplesPerPixel: 1,
        PhotometricInterpretation: 'MONOCHROME2',
        Rows: ny,
        Columns: nx,
        BitsAllocated: 1,
        BitsStored: 1,
        HighBit: 0,
        PixelRepresentation: 0,
        LossyImageCompression: '00',
        SegmentationType: 'BINARY',
        SegmentSequence: segments.map((s) => segmentItem(s, algorithm)),
        NumberOfFrames: frames.length,
        DimensionOrganizationType: '3D',
        DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUID }],
        DimensionIndexSequence: [
            { DimensionOrganizationUID: dimensionOrganizationUID, DimensionIndexPointer: TAG.ReferencedSegmentNumber, FunctionalGroupPointer: TAG.SegmentIdentificationSequence, DimensionDescriptionLabel: 'Segment Number' },
            { DimensionOrganizationUID: dimensionOrganizationUID, DimensionIndexPointer: TAG.ImagePositionPatient, FunctionalGroupPointer: TAG.PlanePositionSequence, DimensionDescriptionLabel: 'Image Position Patient' },
        ],
        SharedFunctionalGroupsSequence: [
            {
                PixelMeasuresSequence: [{ PixelSpacing: info.pixelSpacing.map(ds), SliceThickness: ds(Math.abs(frame.sliceStep)), SpacingBetweenSlices: ds(Math.abs(frame.sliceStep)) }],
                PlaneOrientationSequence: [{ ImageOrientationPatient: info.imageOrientationPatient.map(ds) }],
            },
        ],
        PerFrameFunctionalGroupsSequence: frames.map(({ segment, k }) => ({
            DerivationImageSequence: [
                {
                    SourceImageSequence: [
                        { ReferencedSOPClassUID: info.instances[k].sopClassUID, ReferencedSOPInstanceUID: info.instances[k].sopInstanceUID, PurposeOfReferenceCodeSequence: [codeItem(PURPOSE_SOURCE_IMAGE)] },
                    ],
                    DerivationCodeSequence: [codeItem(DERIVATION_SEGMENTATION)],
                },
            ],
            FrameContentSequence: [{ DimensionIndexValues: [segment.number, k + 1] }],
            PlanePositionSequence: [{ ImagePositionPatient: position(k) }],
            SegmentIdentificationSequence: [{ ReferencedSegmentNumber: segment.number }],
        })),
        ReferencedSeriesSequence: [
            { SeriesInstanceUID: info.seriesInstanceUID, ReferencedInstanceSequence: referenced.map((r) => ({ ReferencedSOPClassUID: r.sopClassUID, ReferencedSOPInstanceUID: r.sopInstanceUID })) },
        ],
        PixelData: [packFrames(frames, nx * ny)],
        _vrMap: { PixelData: 'OB' },
    };
}
/** The SEG as a DICOM Part 10 file's bytes. */
export function encodeDicomSeg(ct, masks, options) {
    return encodeDataset(segDataset(ct, masks, options));
}
/** Writes the SEG to `path` atomically (checked and encoded in full before anything touches the disk). */
export async function writeDicomSeg(path, ct, masks, options) {
    await writeAtomically(path, encodeDicomSeg(ct, masks, options), 'DICOM SEG');
}
