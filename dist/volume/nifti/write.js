/**
 * writeVolume / writeFrames: encode, write to a temporary file beside the target, fsync, rename.
 * A reader never sees a half-written file and a failure never leaves one behind.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UnisegError } from "../../errors.js";
import { encodeFrames, encodeVolume } from "./encode.js";
/** Writes one 3D volume; gzip follows a `.gz` suffix unless options.gzip says otherwise. */
export async function writeVolume(path, volume, options = {}) {
    await writeEncoded(path, () => encodeVolume(volume, withGzip(path, options)));
}
/** Writes volumes sharing one grid as a single 4D file (dim[4] = frames.length). */
export async function writeFrames(path, frames, options = {}) {
    await writeEncoded(path, () => encodeFrames(frames, withGzip(path, options)));
}
function withGzip(path, options) {
    return { ...options, gzip: options.gzip ?? path.toLowerCase().endsWith('.gz') };
}
async function writeEncoded(path, encode) {
    const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    let fh;
    try {
        const bytes = encode();
        fh = await open(temp, 'wx');
        await fh.writeFile(bytes);
        await fh.sync();
        await fh.close();
        fh = undefined;
        await rename(temp, path);
    }
    catch (error) {
        await fh?.close().catch(() => undefined);
        await rm(temp, { force: true }).catch(() => undefined);
        const err = error;
        const reason = error instanceof UnisegError ? `${error.code}: ${error.message}` : `${err.code ?? 'error'}: ${err.message}`;
        throw new UnisegError('NIFTI_WRITE_FAILED', `${path}: cannot write NIfTI file (${reason}); nothing was written`, {
            file: path,
            reason: error instanceof UnisegError ? error.code : err.code,
        }, { cause: error });
    }
}
