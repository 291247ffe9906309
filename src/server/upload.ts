/**
 * An uploaded body (NIfTI, or a DICOM series as a .zip or a single DICOM file) → a Volume, under
 * the server's byte, voxel and decompression limits. For DICOM, which series was read and what was
 * skipped goes to the log.
 */
import type { Context } from 'hono';
import { readVolume } from '../volume/read.ts';
import type { Volume } from '../volume/types.ts';
import { readUpload } from './body.ts';
import type { AppEnv, ServerDeps } from './context.ts';
import { parseHeaders } from './validate.ts';

export async function readUploadedVolume(c: Context<AppEnv>, deps: ServerDeps, series?: string): Promise<Volume> {
  const { limits } = deps;
  const bytes = await readUpload(c.req.raw, parseHeaders(c), { maxBytes: limits.maxUploadBytes, signal: c.var.cancel.signal });
  const volume = await readVolume(bytes, { maxVoxels: limits.maxVoxels, maxDecompressedBytes: limits.maxDecompressedBytes, ...(series === undefined ? {} : { series }) });
  if (volume.dicom) deps.logger?.info({ id: c.var.id, series: volume.dicom.seriesInstanceUID, notes: volume.source?.warnings ?? [] }, 'read DICOM series');
  return volume;
}
