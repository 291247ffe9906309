/**
 * GET /                 → the web page (src/web/page/index.html)
 * GET /assets/app.js    → its script, bundled on first request (page/bundle.ts)
 * GET /assets/ort/FILE  → ONNX Runtime Web's WebAssembly files, for in-browser inference
 *
 * These hold no data and no secrets, so they are served without the token (the page then asks for
 * it). The page is cross-origin isolated (COOP/COEP), which lets ONNX Runtime Web use threads.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ServerError } from "../errors.js";
import { bundlePage, WEB_DIR } from "../page/bundle.js";
import { parseQuery } from "../validate.js";
/** Paths served without the token. */
export const PUBLIC_PATHS = /^\/(?:|assets\/[A-Za-z0-9._/-]+)$/;
const ORT_DIST = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
/** The WebAssembly builds onnxruntime-web loads (the WebGPU build uses the asyncify one), and nothing else from its folder. */
const ORT_FILES = /^ort-wasm-simd-threaded(?:\.asyncify|\.jsep)?\.(wasm|mjs)$/;
const ISOLATED = {
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-cache',
};
export function registerPage(app) {
    const noQuery = z.strictObject({});
    let html;
    let bundle;
    app.get('/', async (c) => {
        parseQuery(c, noQuery);
        html ??= readFile(join(WEB_DIR, 'page', 'index.html'), 'utf8');
        html.catch(() => (html = undefined));
        return c.html(await html, 200, ISOLATED);
    });
    app.get('/assets/app.js', async (c) => {
        bundle ??= bundlePage();
        bundle.catch(() => (bundle = undefined));
        return c.body((await bundle).js, 200, { ...ISOLATED, 'content-type': 'text/javascript; charset=utf-8' });
    });
    app.get('/assets/ort/:file', async (c) => {
        const file = c.req.param('file') ?? '';
        const kind = ORT_FILES.exec(file)?.[1];
        if (!kind)
            throw new ServerError('NOT_FOUND', `no asset /assets/ort/${file}`, { file });
        const bytes = await readFile(join(ORT_DIST, file));
        return c.body(new Uint8Array(bytes), 200, { ...ISOLATED, 'content-type': kind === 'wasm' ? 'application/wasm' : 'text/javascript; charset=utf-8' });
    });
}
