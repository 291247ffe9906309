/**
 * RT Structure Set of a CT series: one ROI per prompt (per label for a task with several), closed
 * planar contours on every source slice the mask touches (patient LPS mm), the referenced frame
 * of reference, study, series and contour images, and an RT ROI observation with an interpreted
 * type from the coding table. An empty ROI keeps its entries with no contours and is flagged
 * "EMPTY: ..." in its ROIDescription.
 */
import simplify from 'simplify-js';
import { algorithmParameters } from "./algorithm.js";
import { sliceRings } from "./contours.js";
import { encodeDataset, writeAtomically } from "./encode.js";
import { codeItem, dicomDate, dicomTime, positionReferenceIndicator, equipment, newInstance, patientAndStudy } from "./modules.js";
import { segmentColour } from "./palette.js";
import { outputSegments } from "./segments.js";
import { checkSources } from "./source.js";
export const RT_STRUCTURE_SET_STORAGE = '1.2.840.10008.5.1.4.1.1.481.3';
/** What RTReferencedStudySequence's ReferencedSOPClassUID names by convention (PS3.3 C.8.8.5). */
const STUDY_COMPONENT_MANAGEMENT = '1.2.840.10008.3.1.2.3.2';
/** ContourData is DS, whose explicit-VR length field has 16 bits: longer values would be written as UN. */
const MAX_CONTOUR_DATA_BYTES = 0xfffe;
/** Patient coordinates to the micrometre: far below a CT pixel, and short enough to keep long rings in one value. */
const mm = (x) => String(Math.round(x * 1000) / 1000);
/**
 * A ring's ContourData. A ring too long for one value (a body outline on a very fine grid) is
 * thinned with Douglas-Peucker (simplify-js) at a tolerance doubled from a quarter pixel until it fits.
 */
function contourData(ring, k, frame) {
    const encode = (points) => points.flatMap(([i, j]) => frame.point(k, i, j).map(mm));
    let values = encode(ring);
    for (let tolerance = 0.25; values.reduce((n, v) => n + v.length + 1, -1) > MAX_CONTOUR_DATA_BYTES; tolerance *= 2) {
        const open = [...ring, ring[0]].map(([x, y]) => ({ x, y }));
        values = encode(simplify(open, tolerance, true).slice(0, -1).map(({ x, y }) => [x, y]));
    }
    return values;
}
function roiContours(segment, info, frame, columns, rows) {
    const out = [];
    segment.sliceVoxels.forEach((n, k) => {
        if (n === 0)
            return;
        const image = { ReferencedSOPClassUID: info.instances[k].sopClassUID, ReferencedSOPInstanceUID: info.instances[k].sopInstanceUID };
        for (const ring of sliceRings(segment.data, segment.value, columns, rows, k)) {
            const data = contourData(ring, k, frame);
            out.push({
                ContourImageSequence: [image],
                ContourGeometricType: 'CLOSED_PLANAR',
                NumberOfContourPoints: data.length / 3,
                ContourNumber: out.length + 1,
                ContourData: data,
            });
        }
    });
    return out;
}
export function rtstructDataset(ct, masks, options) {
    const { info, frame } = checkSources(ct, masks, 'rtstruct');
    const segments = outputSegments(masks);
    const now = options.now ?? new Date();
    const [columns, rows] = ct.shape;
    const p = options.provenance;
    const generation = `uniseg ${p.unisegVersion}, package ${p.packageName}`.slice(0, 64);
    return {
        ...patientAndStudy(info),
        ...newInstance(RT_STRUCTURE_SET_STORAGE, 'RTSTRUCT', { number: options.seriesNumber ?? 901, description: options.seriesDescription ?? 'uniseg structures' }, now),
        OperatorsName: '',
        // Current PS3.3 puts the Frame of Reference module in the RT Structure Set IOD too.
        FrameOfReferenceUID: info.frameOfReferenceUID,
        PositionReferenceIndicator: positionReferenceIndicator(info),
        ...equipment(p),
        StructureSetLabel: 'UNISEG',
        StructureSetName: `uniseg ${p.packageName}`.slice(0, 64),
        StructureSetDescription: `Automatic contours by uniseg ${p.unisegVersion}; ${algorithmParameters(p)}`,
        StructureSetDate: dicomDate(now),
        StructureSetTime: dicomTime(now),
        ReferencedFrameOfReferenceSequence: [
            {
                FrameOfReferenceUID: info.frameOfReferenceUID,
                RTReferencedStudySequence: [
                    {
                        ReferencedSOPClassUID: STUDY_COMPONENT_MANAGEMENT,
                        ReferencedSOPInstanceUID: info.studyInstanceUID,
                        RTReferencedSeriesSequence: [
                            {
                                SeriesInstanceUID: info.seriesInstanceUID,
                                ContourImageSequence: info.instances.map((r) => ({ ReferencedSOPClassUID: r.sopClassUID, ReferencedSOPInstanceUID: r.sopInstanceUID })),
                            },
                        ],
                    },
                ],
            },
        ],
        StructureSetROISequence: segments.map((s) => ({
            ROINumber: s.number,
            ReferencedFrameOfReferenceUID: info.frameOfReferenceUID,
            ROIName: s.label,
            ROIDescription: s.description,
            ROIGenerationAlgorithm: 'AUTOMATIC',
            ROIGenerationDescription: generation,
        })),
        ROIContourSequence: segments.map((s) => {
            const contours = roiContours(s, info, frame, columns, rows);
            return { ReferencedROINumber: s.number, ROIDisplayColor: [...segmentColour(s.number)], ...(contours.length > 0 ? { ContourSequence: contours } : {}) };
        }),
        RTROIObservationsSequence: segments.map((s) => ({
            ObservationNumber: s.number,
            ReferencedROINumber: s.number,
            RTROIIdentificationCodeSequence: [codeItem(s.coding.type)],
            RTROIInterpretedType: s.coding.rtInterpretedType,
            ROIInterpreter: '',
        })),
    };
}
/** The RT Structure Set as a DICOM Part 10 file's bytes. */
export function encodeRtstruct(ct, masks, options) {
    return encodeDataset(rtstructDataset(ct, masks, options));
}
/** Writes the RT Structure Set to `path` atomically (checked and encoded in full before anything touches the disk). */
export async function writeRtstruct(path, ct, masks, options) {
    await writeAtomically(path, encodeRtstruct(ct, masks, options), 'RT Structure Set');
}
