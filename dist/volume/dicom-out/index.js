/** DICOM output: SEG and RT Structure Set from prompts' masks on a CT read from a DICOM series. */
export { writeDicomSeg, encodeDicomSeg, segDataset, SEGMENTATION_STORAGE } from "./seg.js";
export { writeRtstruct, encodeRtstruct, rtstructDataset, RT_STRUCTURE_SET_STORAGE } from "./rtstruct.js";
export { requireDicomSource } from "./source.js";
export { codeSegment, FALLBACK_CODING } from "./coding.js";
export { DICOM_OUTPUT_TYPES } from "./types.js";
