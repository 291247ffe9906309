/** Reading CT series from DICOM: a folder, a .zip or one file. */
export { readDicomSeries, type DicomInput } from './read.ts';
export { DEFAULT_MAX_FILES, type DicomReadOptions } from './options.ts';
export { isDicomPart10 } from './dcmjs.ts';
export { isZip } from './zip.ts';
export { syntaxName } from './syntax.ts';
