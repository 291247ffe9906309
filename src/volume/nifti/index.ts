/** NIfTI-1/2 reading and NIfTI-1 writing for uniseg volumes. */
export { readVolume, BYTES_SOURCE } from './read.ts';
export { encodeVolume, encodeFrames, qformOf, DEFAULT_GZIP_LEVEL, type EncodeOptions, type WriteDatatype, type Qform } from './encode.ts';
export { writeVolume, writeFrames } from './write.ts';
export {
  DEFAULT_MAX_VOXELS,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  DECOMPRESSION_SLACK_BYTES,
  DEFAULT_NON_FINITE,
  type ReadOptions,
  type NonFinitePolicy,
} from './options.ts';
export { parseHeader, type NiftiHeader } from './header.ts';
export { headerAffine, qformAffine } from './xform.ts';
