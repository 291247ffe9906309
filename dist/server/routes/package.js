/**
 * GET /package              → {name, files: [{path, bytes, sha256}]}: what a browser needs to run the
 *                              model itself (model.json, every part, the text encoder's files)
 * GET /package/files/PATH   → one of those files
 *
 * Parts carry the SHA-256 recorded in model.json (verified when the server loaded them); the other
 * files are hashed here. The page checks every file against this list with WebCrypto, so a file
 * damaged on the way is refused by name. Like every model route, these need the token.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';
import { MANIFEST_FILE } from "../../models/package.js";
import { ServerError } from "../errors.js";
import { parseQuery } from "../validate.js";
async function filesUnder(dir) {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
async function listPackage(deps) {
    const { dir, manifest } = deps.model;
    const recorded = new Map(Object.values(manifest.parts).map((p) => [p.file, p.sha256]));
    const paths = [MANIFEST_FILE, ...Object.values(manifest.parts).map((p) => p.file)];
    const encoder = manifest.prompting.textEncoder;
    if (encoder)
        paths.push(...(await filesUnder(join(dir, encoder.dir))).map((f) => relative(dir, f).split(sep).join('/')));
    const files = await Promise.all([...new Set(paths)].map(async (path) => {
        const bytes = await readFile(join(dir, path));
        return { path, bytes: bytes.length, sha256: recorded.get(path) ?? createHash('sha256').update(bytes).digest('hex') };
    }));
    return { name: manifest.name, files };
}
export function registerPackage(app, deps) {
    const noQuery = z.strictObject({});
    let listing;
    const list = () => {
        listing ??= listPackage(deps);
        listing.catch(() => (listing = undefined));
        return listing;
    };
    app.get('/package', async (c) => {
        parseQuery(c, noQuery);
        return c.json(await list());
    });
    app.get('/package/files/*', async (c) => {
        parseQuery(c, noQuery);
        const path = decodeURIComponent(c.req.path.slice('/package/files/'.length));
        const file = (await list()).files.find((f) => f.path === path);
        if (!file)
            throw new ServerError('NOT_FOUND', `no file ${path} in the model package; GET /package lists them`, { path });
        const bytes = await readFile(join(deps.model.dir, file.path));
        return c.body(new Uint8Array(bytes), 200, { 'content-type': 'application/octet-stream', 'cross-origin-resource-policy': 'same-origin' });
    });
}
