/** DICOM output: SEG and RT Structure Set from prompts' masks on a CT read from a DICOM series. */
export { writeDicomSeg, encodeDicomSeg, segDataset, SEGMENTATION_STORAGE } from './seg.ts';
export { writeRtstruct, encodeRtstruct, rtstructDataset, RT_STRUCTURE_SET_STORAGE } from './rtstruct.ts';
export { requireDicomSource } from './source.ts';
export { codeSegment, FALLBACK_CODING, type Code, type SegmentCoding } from './coding.ts';
export { DICOM_OUTPUT_TYPES, type DicomOutputOptions, type DicomOutputType, type OutputMask, type Provenance } from './types.ts';
