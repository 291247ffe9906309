/** An uploaded NIfTI body → a Volume, under the server's byte, voxel and decompression limits. */
import type { Context } from 'hono';
import { readVolume } from '../volume/nifti/index.ts';
import type { Volume } from '../volume/types.ts';
import { readUpload } from './body.ts';
import type { AppEnv, ServerDeps } from './context.ts';
import { parseHeaders } from './validate.ts';

export async function readUploadedVolume(c: Context<AppEnv>, deps: ServerDeps): Promise<Volume> {
  const { limits } = deps;
  const bytes = await readUpload(c.req.raw, parseHeaders(c), { maxBytes: limits.maxUploadBytes, signal: c.var.cancel.signal });
  return readVolume(bytes, { maxVoxels: limits.maxVoxels, maxDecompressedBytes: limits.maxDecompressedBytes });
}
