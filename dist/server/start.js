import { createAdaptorServer } from '@hono/node-server';
import { DEFAULT_MODEL_DIR } from "../models/default-model.js";
import { loadModel } from "../models/package.js";
import { createApp } from "./app.js";
import { errorResponse, mapError, ServerError } from "./errors.js";
import { resolveLimits } from "./limits.js";
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;
/** How long close() waits past the request timeout before cutting connections that still hang. */
const DRAIN_GRACE_MS = 5_000;
export async function startServer(options = {}) {
    const owned = typeof options.model !== 'object';
    const model = typeof options.model === 'object' ? options.model : await loadModel(options.model ?? DEFAULT_MODEL_DIR, options.threads ? { threads: options.threads } : {});
    const limits = resolveLimits(options.limits);
    const app = createApp(model, options);
    let draining = false;
    const fetch = (request, env) => 
    // A keep-alive connection may still send a request after close(): refuse it politely.
    draining ? errorResponse(mapError(new ServerError('SHUTTING_DOWN', 'the server is shutting down', {}), '-')) : app.fetch(request, env);
    // overrideGlobalObjects: false — a library must not replace the embedding process's Request/Response.
    const server = createAdaptorServer({ fetch, hostname: options.host ?? DEFAULT_HOST, overrideGlobalObjects: false });
    const inFlight = new Set();
    server.on('request', (_request, response) => {
        inFlight.add(response);
        if (draining && !response.headersSent)
            response.setHeader('connection', 'close');
        response.once('close', () => {
            inFlight.delete(response);
            if (draining && inFlight.size === 0)
                server.closeIdleConnections();
        });
    });
    try {
        await new Promise((resolve, reject) => {
            server.once('error', reject);
            server.listen(options.port ?? DEFAULT_PORT, options.host ?? DEFAULT_HOST, () => {
                server.off('error', reject);
                resolve();
            });
        });
    }
    catch (error) {
        if (owned)
            await model.close();
        throw error;
    }
    const address = server.address();
    const host = address.address;
    let closing;
    const close = () => (closing ??= (async () => {
        draining = true;
        for (const response of inFlight)
            if (!response.headersSent)
                response.setHeader('connection', 'close');
        const closed = new Promise((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const deadline = setTimeout(() => server.closeAllConnections(), limits.timeoutMs + DRAIN_GRACE_MS);
        deadline.unref();
        await closed;
        clearTimeout(deadline);
        if (owned)
            await model.close();
    })());
    return {
        url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
        host,
        port: address.port,
        model,
        server,
        close,
    };
}
