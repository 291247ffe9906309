/**
 * Writing a new package directory as one step: the output must not exist yet; files go into a
 * hidden staging directory beside it, renamed into place at the end, and removed on any failure,
 * so a half-written package never appears under the requested name.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UnisegError } from "../errors.js";
export async function exists(path) {
    return stat(path).then(() => true, () => false);
}
/** Refuses an output directory that already exists (a usage error, checked before any work). */
export async function checkNewDirectory(out) {
    if (await exists(out))
        throw new UnisegError('INVALID_ARGUMENT', `output directory ${out} already exists; choose a new path`, { field: 'out', value: out });
}
/** Fills a staging directory with `fill`, then renames it to `out`. */
export async function writePackageDirectory(out, fill) {
    const staging = join(dirname(out), `.${basename(out)}.tmp-${process.pid}-${Date.now()}`);
    try {
        await mkdir(staging, { recursive: true });
        await fill(staging);
        await rename(staging, out);
    }
    catch (error) {
        await rm(staging, { recursive: true, force: true });
        throw new UnisegError('PACKAGE_WRITE_FAILED', `could not write package ${out}: ${error.message}`, { out }, { cause: error });
    }
}
