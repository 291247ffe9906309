/**
 * createApp(model, options): the HTTP service as a Hono app, with no listening socket of its own
 * (so tests call app.request() and startServer puts it on @hono/node-server). The app owns one
 * queue and one volume store; nothing lives in module state.
 */
import { Hono } from 'hono';
import { bearerAuth } from "./auth.js";
import { requestCancel } from "./cancel.js";
import { errorResponse, mapError, ServerError } from "./errors.js";
import { resolveLimits } from "./limits.js";
import { requestLog } from "./logging.js";
import { JobQueue } from "./queue.js";
import { registerExport } from "./routes/export.js";
import { registerModelRoutes } from "./routes/model.js";
import { registerPackage } from "./routes/package.js";
import { registerPage } from "./routes/page.js";
import { registerSegment } from "./routes/segment.js";
import { registerVolumes } from "./routes/volumes.js";
import { VolumeStore } from "./store.js";
export function createApp(model, options = {}) {
    const limits = resolveLimits(options.limits);
    const deps = {
        model,
        limits,
        queue: new JobQueue(limits.queue),
        store: new VolumeStore({ maxEntries: limits.storeEntries, maxBytes: limits.storeBytes, ttlMs: limits.storeTtlMs }),
        logger: options.logger,
        hooks: options.hooks ?? {},
    };
    const app = new Hono();
    app.use(requestLog(options.logger));
    app.use(async (c, next) => {
        const cancel = requestCancel(c.req.raw.signal, limits.timeoutMs);
        c.set('cancel', cancel);
        try {
            await next();
        }
        finally {
            cancel.dispose();
        }
    });
    if (options.token !== undefined)
        app.use(bearerAuth(options.token));
    registerSegment(app, deps);
    registerVolumes(app, deps);
    registerModelRoutes(app, deps);
    registerExport(app, deps);
    registerPackage(app, deps);
    registerPage(app);
    app.notFound((c) => {
        throw new ServerError('NOT_FOUND', `no route ${c.req.method} ${c.req.path}; routes: GET / (the web page), POST /segment, GET /segment, POST /volumes, DELETE /volumes/ID, GET /pathways, GET /resolve, GET /package, GET /health`, {});
    });
    app.onError((error, c) => {
        const mapped = mapError(error, c.var.id);
        if (mapped.internal)
            options.logger?.error({ id: c.var.id, err: error }, 'internal error');
        return errorResponse(mapped);
    });
    return app;
}
