/**
 * Loading a model package: a directory with model.json and its ONNX parts. The manifest is
 * validated (errors name the zod path), every part must exist, and parts with a recorded
 * SHA-256 are verified, so a package whose parts changed under it is refused at load.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UnisegError } from "../errors.js";
import { loadClipTextEncoder } from "../prompt/clip.js";
import { cachedEncoder } from "../prompt/encoder.js";
import { manifestSchema } from "./manifest.js";
import { OrtParts } from "./parts.js";
export const MANIFEST_FILE = 'model.json';
export function formatZodPath(path) {
    return path.reduce((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}
/** Parses and checks a manifest object; errors name the first offending field by its path. */
export function parseManifest(value, where) {
    const parsed = manifestSchema.safeParse(value);
    if (parsed.success)
        return parsed.data;
    const issues = parsed.error.issues.map((i) => ({ path: formatZodPath(i.path), message: i.message }));
    const first = issues[0];
    throw new UnisegError('MODEL_MANIFEST_INVALID', `${where}: ${first.path || '(root)'}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, {
        file: where,
        issues,
    });
}
export async function readManifest(dir) {
    const file = join(dir, MANIFEST_FILE);
    let text;
    try {
        text = await readFile(file, 'utf8');
    }
    catch (error) {
        throw new UnisegError('MODEL_PART_MISSING', `no model package at ${dir}: cannot read ${MANIFEST_FILE} (${error.code})`, { dir, file });
    }
    let json;
    try {
        json = JSON.parse(text);
    }
    catch (error) {
        throw new UnisegError('MODEL_MANIFEST_INVALID', `${file} is not valid JSON: ${error.message}`, { file });
    }
    return parseManifest(json, file);
}
export function sha256(bytes) {
    return createHash('sha256').update(bytes).digest('hex');
}
async function readPartFile(dir, manifest, name) {
    const part = manifest.parts[name];
    const file = join(dir, part.file);
    let bytes;
    try {
        bytes = await readFile(file);
    }
    catch (error) {
        throw new UnisegError('MODEL_PART_MISSING', `part "${name}": file ${part.file} is missing from ${dir} (${error.code})`, {
            part: name,
            file: part.file,
            dir,
        });
    }
    if (part.sha256 && sha256(bytes) !== part.sha256) {
        throw new UnisegError('MODEL_PART_TAMPERED', `part "${name}": ${part.file} does not match the SHA-256 recorded in ${MANIFEST_FILE}; the package was changed after it was written`, {
            part: name,
            file: part.file,
            expected: part.sha256,
            actual: sha256(bytes),
        });
    }
    return bytes;
}
export async function loadModel(dir, options = {}) {
    const root = resolve(dir);
    return openPackage(root, await readManifest(root), options);
}
/** A model over `dir` described by an already parsed manifest (every part verified now: existence and hash). */
export async function openPackage(dir, manifest, options = {}) {
    const root = resolve(dir);
    // Verify every part now so a broken package fails at load, not mid-run.
    await Promise.all(Object.keys(manifest.parts).map((name) => readPartFile(root, manifest, name)));
    const parts = new OrtParts(manifest.parts, (name) => readPartFile(root, manifest, name), options);
    const spec = manifest.prompting.textEncoder;
    let encoder;
    const truncated = new Set();
    return {
        dir: root,
        manifest,
        parts,
        truncated,
        textEncoder() {
            if (!spec)
                return Promise.resolve(null);
            encoder ??= loadClipTextEncoder(join(root, spec.dir), { template: spec.template, onTruncate: (t) => truncated.add(t.text) }).then((e) => cachedEncoder(e, { size: 512 }));
            // A failed load is reported to every caller and retried on the next call.
            encoder.catch(() => (encoder = undefined));
            return encoder;
        },
        async close() {
            await parts.release();
            const loaded = encoder;
            encoder = undefined;
            await loaded?.then((e) => e.close()).catch(() => undefined);
        },
    };
}
