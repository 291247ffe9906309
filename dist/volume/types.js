/**
 * Core volume types. Spaces are named: a voxel index (i, j, k) lives in the array, a world point
 * is RAS+ millimetres (nibabel's convention: +x toward the patient's Right, +y Anterior,
 * +z Superior), and an Affine maps the first to the second.
 */
export {};
