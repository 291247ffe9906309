import { readVolume } from "../volume/nifti/index.js";
import { readUpload } from "./body.js";
import { parseHeaders } from "./validate.js";
export async function readUploadedVolume(c, deps) {
    const { limits } = deps;
    const bytes = await readUpload(c.req.raw, parseHeaders(c), { maxBytes: limits.maxUploadBytes, signal: c.var.cancel.signal });
    return readVolume(bytes, { maxVoxels: limits.maxVoxels, maxDecompressedBytes: limits.maxDecompressedBytes });
}
