/**
 * Where the files of a series come from: a folder on disk (walked recursively) or files already
 * in memory (a zip's entries, one uploaded file). Reading is deferred so that a folder is held
 * in memory one file at a time: once to group the headers, once more for the chosen slices.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { UnisegError } from "../../errors.js";
/** Every regular file under `folder`, in a stable (sorted) order; symbolic links are not followed. */
export async function folderEntries(folder, maxFiles) {
    const found = await readdir(folder, { recursive: true, withFileTypes: true });
    const files = found.filter((d) => d.isFile()).map((d) => join(d.parentPath ?? d.path, d.name));
    if (files.length > maxFiles) {
        throw new UnisegError('INVALID_ARGUMENT', `${folder}: holds ${files.length} files, more than the ${maxFiles} a series folder may have (option maxFiles); point at the series' own folder`, {
            file: folder,
            files: files.length,
            maxFiles,
        });
    }
    files.sort();
    return files.map((path) => ({ name: relative(folder, path), read: () => readFile(path) }));
}
export function memoryEntries(files) {
    return files.map(({ name, bytes }) => ({ name, read: async () => bytes }));
}
