/**
 * The model package in the tab's memory: files fetched from the server, each with the SHA-256
 * WebCrypto computed for exactly those bytes. The node:fs and node:crypto stand-ins read from
 * here, so the engine's own loader (src/models/package.ts) runs unchanged on them.
 */

const files = new Map<string, Uint8Array<ArrayBuffer>>();
const digests = new WeakMap<Uint8Array, string>();

/** Where the package lives in the virtual file system. */
export const PACKAGE_ROOT = '/package';

export function addFile(path: string, bytes: Uint8Array<ArrayBuffer>, sha256: string): void {
  files.set(path, bytes);
  digests.set(bytes, sha256);
}

export function fileAt(path: string): Uint8Array<ArrayBuffer> | undefined {
  return files.get(normalise(path));
}

export function isDirectory(path: string): boolean {
  const dir = `${normalise(path).replace(/\/$/, '')}/`;
  for (const key of files.keys()) if (key.startsWith(dir)) return true;
  return false;
}

/** The SHA-256 (hex) WebCrypto computed for these very bytes, if they are a fetched file. */
export function digestOf(bytes: Uint8Array): string | undefined {
  return digests.get(bytes);
}

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function normalise(path: string): string {
  return path.replace(/\/{2,}/g, '/');
}
