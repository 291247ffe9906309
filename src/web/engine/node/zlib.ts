/**
 * node:zlib in the browser: gzip for the masks the page offers for download (fflate). Reading a
 * .nii.gz goes through gunzip.ts (bounded) before the engine sees the bytes, so the streaming
 * decompressor the Node reader uses is never reached here.
 */
import { gzipSync as fflateGzip } from 'fflate';
import { UnisegError } from '../../../errors.ts';

type Level = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

function gzipSync(bytes: Uint8Array, options: { level?: number } = {}): Uint8Array {
  return fflateGzip(bytes, { level: (options.level ?? 6) as Level });
}

function createGunzip(): never {
  throw new UnisegError('INVALID_ARGUMENT', 'streaming gunzip is not used in the browser: decompress first (src/web/engine/gunzip.ts)');
}

export default { gzipSync, createGunzip };
