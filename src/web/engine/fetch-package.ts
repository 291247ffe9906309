/**
 * Fetches the model package once (GET /package, then each file), checks every file's SHA-256 with
 * WebCrypto against the listing, and keeps the bytes in files.ts for the engine.
 */
import { UnisegError } from '../../errors.ts';
import type { Api } from '../page/api.ts';
import { addFile, PACKAGE_ROOT, sha256Hex } from './files.ts';

export interface PackageListing {
  readonly name: string;
  readonly files: { path: string; bytes: number; sha256: string }[];
}

export async function fetchPackage(api: Api, listing: PackageListing, progress: (doneBytes: number, totalBytes: number) => void): Promise<void> {
  const total = listing.files.reduce((n, f) => n + f.bytes, 0);
  let done = 0;
  for (const file of listing.files) {
    const res = await api.request(`/package/files/${file.path.split('/').map(encodeURIComponent).join('/')}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const actual = await sha256Hex(bytes);
    if (actual !== file.sha256) {
      throw new UnisegError('MODEL_PART_TAMPERED', `${file.path} from the server does not match its SHA-256 (expected ${file.sha256}, got ${actual}); it was changed on the way`, {
        file: file.path,
        expected: file.sha256,
        actual,
      });
    }
    addFile(`${PACKAGE_ROOT}/${file.path}`, bytes, actual);
    done += file.bytes;
    progress(done, total);
  }
}
