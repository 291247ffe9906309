import { readVolume } from "../volume/read.js";
import { readUpload } from "./body.js";
import { parseHeaders } from "./validate.js";
export async function readUploadedVolume(c, deps, series) {
    const { limits } = deps;
    const bytes = await readUpload(c.req.raw, parseHeaders(c), { maxBytes: limits.maxUploadBytes, signal: c.var.cancel.signal });
    const volume = await readVolume(bytes, { maxVoxels: limits.maxVoxels, maxDecompressedBytes: limits.maxDecompressedBytes, ...(series === undefined ? {} : { series }) });
    if (volume.dicom)
        deps.logger?.info({ id: c.var.id, series: volume.dicom.seriesInstanceUID, notes: volume.source?.warnings ?? [] }, 'read DICOM series');
    return volume;
}
