/**
 * .nii.gz → .nii bytes in the browser (fflate, streaming), stopping as soon as the output passes
 * the engine's decompression limit, so a gzip bomb dropped on the page cannot exhaust the tab.
 */
import { Gunzip } from 'fflate';
import { UnisegError } from '../../errors.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../../volume/nifti/options.ts';

const CHUNK = 1 << 20;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export function gunzipBounded(bytes: Uint8Array, where: string, limit = DEFAULT_MAX_DECOMPRESSED_BYTES): Uint8Array<ArrayBuffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inflate = new Gunzip((chunk) => {
    total += chunk.length;
    if (total > limit) {
      throw new UnisegError('NIFTI_DECOMPRESSION_LIMIT', `${where}: gzip data decompresses past ${limit} bytes; refusing it (decompression bomb?)`, { file: where, limitBytes: limit });
    }
    chunks.push(chunk);
  });
  try {
    for (let start = 0; start < bytes.length; start += CHUNK) inflate.push(bytes.subarray(start, start + CHUNK), start + CHUNK >= bytes.length);
  } catch (error) {
    if (error instanceof UnisegError) throw error;
    throw new UnisegError('NIFTI_NOT_NIFTI', `${where}: corrupt gzip data (${(error as Error).message}); ${total} bytes had been decompressed`, { file: where, field: 'gzip' });
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) (out.set(c, at), (at += c.length));
  return out;
}
