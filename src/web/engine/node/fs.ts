/** node:fs (synchronous) in the browser, over the fetched package (files.ts). */
import { fileAt, isDirectory } from '../files.ts';

export function existsSync(path: string): boolean {
  return fileAt(path) !== undefined || isDirectory(path);
}

export function statSync(path: string) {
  const file = fileAt(path);
  if (!file && !isDirectory(path)) throw Object.assign(new Error(`ENOENT: no such file, stat '${path}'`), { code: 'ENOENT' });
  return { size: file?.length ?? 0, isFile: () => file !== undefined, isDirectory: () => file === undefined };
}

export function readFileSync(path: string, encoding?: string): Uint8Array | string {
  const file = fileAt(path);
  if (!file) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
  return encoding ? new TextDecoder().decode(file) : file;
}
