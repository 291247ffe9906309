/**
 * What identifies a result's origin in derived DICOM: uniseg's version, the package's name, and
 * the SHA-256 of its model.json (which pins every ONNX part by its own SHA-256), so a SEG or
 * RTSTRUCT names the exact package that made it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnisegError } from "../errors.js";
import { UNISEG_VERSION } from "../version.js";
import { MANIFEST_FILE, sha256 } from "./package.js";
const cache = new WeakMap();
export function modelProvenance(model) {
    let found = cache.get(model);
    if (!found) {
        found = readFile(join(model.dir, MANIFEST_FILE)).then((bytes) => ({ unisegVersion: UNISEG_VERSION, packageName: model.manifest.name, manifestSha256: sha256(bytes) }), (error) => {
            cache.delete(model);
            throw new UnisegError('MODEL_PART_MISSING', `cannot read ${MANIFEST_FILE} of the model package at ${model.dir} to name it in the DICOM output (${error.code})`, { dir: model.dir });
        });
        cache.set(model, found);
    }
    return found;
}
