/** node:fs/promises in the browser: reads of the fetched package (files.ts); nothing else exists. */
import { UnisegError } from '../../../errors.ts';
import { fileAt } from '../files.ts';

const noFileSystem = (what: string, path: string) =>
  new UnisegError('FILE_NOT_FOUND', `${path}: ${what} is not possible in the browser (no file system); pass bytes instead`, { file: path });

export async function readFile(path: string, encoding?: string): Promise<Uint8Array | string> {
  const bytes = fileAt(String(path));
  if (!bytes) throw Object.assign(noFileSystem('reading', String(path)), { code: 'ENOENT' });
  return encoding ? new TextDecoder().decode(bytes) : bytes;
}

export async function open(path: string): Promise<never> {
  throw noFileSystem('opening a file', String(path));
}

export const rename = (path: string) => Promise.reject(noFileSystem('renaming', path));
export const rm = (path: string) => Promise.reject(noFileSystem('removing', path));
