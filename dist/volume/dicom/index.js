/** Reading CT series from DICOM: a folder, a .zip or one file. */
export { readDicomSeries } from "./read.js";
export { DEFAULT_MAX_FILES } from "./options.js";
export { isDicomPart10 } from "./dcmjs.js";
export { isZip } from "./zip.js";
export { syntaxName } from "./syntax.js";
