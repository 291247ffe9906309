/** Preview pictures: axial, coronal and sagittal slices with masks, a legend and orientation marks. */
export { renderPreview, type Preview, type PreviewLayer, type PreviewOptions } from './render.ts';
export { writePreview } from './write.ts';
export type { PreviewLayout, PanelBox, Box } from './layout.ts';
