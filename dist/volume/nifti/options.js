/** Read options and their documented defaults. */
/**
 * Largest first-volume voxel count read by default: 2^30 (a 1024^3 grid, or 8 GiB as float64).
 * Checked from the header before anything is allocated.
 */
export const DEFAULT_MAX_VOXELS = 2 ** 30;
/**
 * Absolute ceiling on decompressed bytes for .nii.gz input, on top of the per-file limit that
 * the header implies. Sized so that a file allowed by DEFAULT_MAX_VOXELS (as float64, plus
 * header and extensions) is never refused by it.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 2 ** 33 + 2 ** 24;
/**
 * How far a gzip stream may run past what its header implies (vox_offset + all frames) before
 * it is treated as a decompression bomb. Well-formed writers add nothing after the voxels; this
 * tolerates the odd writer that pads, while a bomb stops after at most this much extra output.
 */
export const DECOMPRESSION_SLACK_BYTES = 1024 * 1024;
export const DEFAULT_NON_FINITE = 'error';
