/**
 * The three things that decide whether a case is already done: the input's bytes, the model
 * package's bytes, and the prompts. Each is reduced to a SHA-256 so a re-run can compare them.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UnisegError } from "../errors.js";
import { MANIFEST_FILE } from "../models/package.js";
/**
 * SHA-256 of an input: a file's bytes, streamed (CTs can be hundreds of MB), or for a folder (a
 * DICOM series) its files' relative paths and hashes in a fixed order. A missing input is FILE_NOT_FOUND.
 */
export async function hashInput(path) {
    const stats = await stat(path).catch(() => null);
    if (!stats?.isDirectory())
        return hashFile(path);
    const files = (await filesUnder(path)).sort();
    const lines = await Promise.all(files.map(async (file) => `${relative(path, file)} ${await hashFile(file)}\n`));
    return createHash('sha256').update(lines.join('')).digest('hex');
}
/** SHA-256 of a file's bytes, streamed. A missing file is FILE_NOT_FOUND. */
export async function hashFile(path) {
    const hash = createHash('sha256');
    try {
        await pipeline(createReadStream(path), hash);
    }
    catch (error) {
        const code = error.code;
        throw new UnisegError('FILE_NOT_FOUND', `cannot read input ${path} (${code ?? error.message})`, { file: path, reason: code });
    }
    return hash.digest('hex');
}
async function filesUnder(dir) {
    const entries = await readdir(dir, { withFileTypes: true, recursive: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
/**
 * The package's identity: model.json, every part file and the text encoder's files (what decides
 * its answers), as "relative-path sha256" lines in a fixed order, hashed. Docs beside them do not count.
 */
export async function packageSha256(dir, manifest) {
    const files = [join(dir, MANIFEST_FILE), ...Object.values(manifest.parts).map((p) => join(dir, p.file))];
    const encoder = manifest.prompting.textEncoder;
    if (encoder)
        files.push(...(await filesUnder(join(dir, encoder.dir))));
    const lines = await Promise.all([...new Set(files)].sort().map(async (file) => `${relative(dir, file)} ${await hashFile(file)}\n`));
    return createHash('sha256').update(lines.join('')).digest('hex');
}
export function sameKey(a, b) {
    return a.inputSha256 === b.inputSha256 && a.packageSha256 === b.packageSha256 && a.prompts.length === b.prompts.length && a.prompts.every((p, i) => p === b.prompts[i]);
}
/** One hex digest for a key (and anything else that must be part of an identity, such as an output directory). */
export function keyDigest(key, ...more) {
    return createHash('sha256').update(JSON.stringify([key.inputSha256, key.packageSha256, key.prompts, ...more])).digest('hex');
}
