/** NIfTI-1/2 reading and NIfTI-1 writing for uniseg volumes. */
export { readVolume, BYTES_SOURCE } from "./read.js";
export { encodeVolume, encodeFrames, qformOf, DEFAULT_GZIP_LEVEL } from "./encode.js";
export { writeVolume, writeFrames } from "./write.js";
export { DEFAULT_MAX_VOXELS, DEFAULT_MAX_DECOMPRESSED_BYTES, DECOMPRESSION_SLACK_BYTES, DEFAULT_NON_FINITE, } from "./options.js";
export { parseHeader } from "./header.js";
export { headerAffine, qformAffine } from "./xform.js";
