/** Preview pictures: axial, coronal and sagittal slices with masks, a legend and orientation marks. */
export { renderPreview } from "./render.js";
export { writePreview } from "./write.js";
