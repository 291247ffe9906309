/** Writes a preview PNG through a temporary file and a rename, so a failure never leaves half a picture. */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UnisegError } from "../errors.js";
import { renderPreview } from "./render.js";
export async function writePreview(path, ct, layers, options = {}) {
    const preview = await renderPreview(ct, layers, options);
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
        await writeFile(temp, preview.png);
        await rename(temp, path);
    }
    catch (error) {
        await rm(temp, { force: true });
        throw new UnisegError('PREVIEW_WRITE_FAILED', `cannot write the preview ${path}: ${error.message}`, { file: path }, { cause: error });
    }
    return preview;
}
