/** uniseg's public API. */
export { UnisegError, isUnisegError, type ErrorCode } from './errors.ts';
export type * from './volume/types.ts';
export { makeVolume } from './volume/volume.ts';
export * from './volume/affine.ts';
export { readVolume, writeVolume, writeFrames, encodeVolume } from './volume/nifti/index.ts';
export { gridOf, spacingGrid, sameGrid, type Grid } from './volume/grid.ts';
export { reorient } from './volume/reorient.ts';
export { resampleToGrid, resampleToSpacing } from './volume/resample.ts';
export { scaleIntensityRange, zscore, parseIntensity, applyIntensity } from './volume/intensity.ts';
export { segment, type SegmentCallOptions } from './segment.ts';
export { loadModel, parseManifest, type Model, type LoadOptions } from './models/package.ts';
export { segmentWithModel, resolveByName, type SegmentOptions, type SegmentResult, type PromptResult, type RouteTaken, type ResolvedPrompt } from './models/segment.ts';
export { wrapOnnx, type WrapOptions } from './models/wrap.ts';
export type { Manifest, Task, Part, Stage, Head } from './models/manifest.ts';
export { DEFAULT_MODEL_DIR } from './models/default-model.ts';
export { generatePhantom, centredAffine, PHANTOM_LABELS, PHANTOM_LABEL_NAMES, type Phantom, type PhantomOptions } from './volume/phantom/index.ts';
export { volumeStats } from './volume/stats.ts';
