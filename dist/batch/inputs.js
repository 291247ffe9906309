/**
 * From the command line's INPUTs to a list of cases, each with an id (its folder under OUT), an
 * input and its prompts. An INPUT is a volume (one case), a folder (walked for volumes, hidden
 * entries and the output folder skipped) or a CSV/JSONL manifest.
 *
 * What counts as one volume is decided in one place, isVolumeInput: a .nii/.nii.gz file, a .zip
 * (of a DICOM series) or a folder holding DICOM files (a series, as readVolume reads it); the walk
 * treats such a folder as one case instead of descending into it.
 */
import { closeSync, openSync, readSync, readdirSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { UnisegError } from "../errors.js";
import { MANIFEST_EXTENSIONS, readManifestRows } from "./manifest.js";
const NIFTI = /\.nii(\.gz)?$/i;
/** Case ids name folders: letters, digits, ".", "_" and "-", not starting with a dot. */
const ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
export function isVolumeInput(path, stats) {
    if (stats.isFile())
        return NIFTI.test(path) || /\.zip$/i.test(path);
    return stats.isDirectory() && holdsDicom(path);
}
/** Whether a folder directly holds a DICOM file ("DICM" after the 128-byte preamble), so it is a series. */
function holdsDicom(dir) {
    const head = Buffer.alloc(132);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isFile() || entry.name.startsWith('.'))
            continue;
        const fd = openSync(join(dir, entry.name), 'r');
        try {
            if (readSync(fd, head, 0, 132, 0) === 132 && head.toString('latin1', 128, 132) === 'DICM')
                return true;
        }
        finally {
            closeSync(fd);
        }
    }
    return false;
}
/** An id from a path: the name without its NIfTI extension, unsafe characters replaced by "_". */
function idFromPath(path) {
    const name = path.replace(NIFTI, '').replace(/\.zip$/i, '').split(sep).join('_');
    return name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_').slice(0, 128) || 'case';
}
async function statOrFail(path, what) {
    try {
        return await stat(path);
    }
    catch (error) {
        throw new UnisegError('FILE_NOT_FOUND', `${what} ${path} does not exist or cannot be read (${error.code})`, { file: path });
    }
}
async function walk(root, dir, skip, out) {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.name.startsWith('.') || skip.has(path))
            continue;
        const stats = await stat(path);
        if (isVolumeInput(path, stats))
            out.push({ input: path, id: idFromPath(relative(root, path)), from: path });
        else if (stats.isDirectory())
            await walk(root, path, skip, out);
    }
}
async function expand(input, skip) {
    const path = resolve(input);
    const stats = await statOrFail(path, 'INPUT');
    if (isVolumeInput(path, stats))
        return [{ input: path, id: idFromPath(basename(path)), from: input }];
    if (stats.isDirectory()) {
        const inside = [...skip].find((out) => path === out || path.startsWith(out + sep));
        if (inside !== undefined) {
            throw new UnisegError('INVALID_ARGUMENT', `input folder ${input} lies inside the output folder ${inside}; its masks would be read as new cases`, { field: 'INPUT', value: input });
        }
        const found = [];
        await walk(path, path, skip, found);
        if (found.length === 0)
            throw new UnisegError('INVALID_ARGUMENT', `folder ${input} holds no .nii or .nii.gz files, .zip files or DICOM series`, { field: 'INPUT', value: input });
        return found;
    }
    if (stats.isFile() && MANIFEST_EXTENSIONS.test(path)) {
        return (await readManifestRows(path)).map((row) => {
            if (row.id !== undefined && !ID.test(row.id)) {
                throw new UnisegError('BATCH_MANIFEST_INVALID', `${input}:${row.line}: id "${row.id}" must be 1-128 letters, digits, ".", "_" or "-" and not start with "."`, {
                    file: path,
                    line: row.line,
                    field: 'id',
                    value: row.id,
                });
            }
            return { input: row.image, id: row.id ?? idFromPath(basename(row.image)), prompts: row.prompts, from: `${input}:${row.line}` };
        });
    }
    throw new UnisegError('INVALID_ARGUMENT', `INPUT ${input} is not a .nii/.nii.gz file, a folder or a .csv/.jsonl manifest`, { field: 'INPUT', value: input });
}
/**
 * Every case of the batch, in the order given. A case's own prompts (from a manifest) replace
 * `prompts`; a case left with none, or two cases with one id, is an error before any work.
 */
export async function listCases(inputs, prompts, options) {
    if (inputs.length === 0)
        throw new UnisegError('INVALID_ARGUMENT', 'give at least one INPUT: a .nii/.nii.gz file, a folder or a .csv/.jsonl manifest', { field: 'INPUT' });
    const skip = new Set([resolve(options.outputDir)]);
    const cases = [];
    const seen = new Map();
    for (const input of inputs) {
        for (const found of await expand(input, skip)) {
            const first = seen.get(found.id);
            if (first !== undefined) {
                throw new UnisegError('INVALID_ARGUMENT', `two cases would share the id "${found.id}": ${first} and ${found.from}; rename one, or list them in a manifest with an "id" column`, {
                    field: 'INPUT',
                    id: found.id,
                });
            }
            seen.set(found.id, found.from);
            const own = found.prompts ?? prompts;
            if (own.length === 0) {
                throw new UnisegError('INVALID_ARGUMENT', `case "${found.id}" (${found.from}) has no prompts: give --prompt, or a "prompts" column in the manifest`, { field: '--prompt', id: found.id });
            }
            cases.push({ id: found.id, input: found.input, prompts: own });
        }
    }
    return cases;
}
