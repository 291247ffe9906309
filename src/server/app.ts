/**
 * createApp(model, options): the HTTP service as a Hono app, with no listening socket of its own
 * (so tests call app.request() and startServer puts it on @hono/node-server). The app owns one
 * queue and one volume store; nothing lives in module state.
 */
import { Hono } from 'hono';
import type { Model } from '../models/package.ts';
import { bearerAuth } from './auth.ts';
import { requestCancel } from './cancel.ts';
import type { App, AppEnv, AppHooks, ServerDeps, ServerLogger } from './context.ts';
import { errorResponse, mapError, ServerError } from './errors.ts';
import { resolveLimits, type ServerLimits } from './limits.ts';
import { requestLog } from './logging.ts';
import { JobQueue } from './queue.ts';
import { registerExport } from './routes/export.ts';
import { registerModelRoutes } from './routes/model.ts';
import { registerPackage } from './routes/package.ts';
import { registerPage } from './routes/page.ts';
import { registerSegment } from './routes/segment.ts';
import { registerVolumes } from './routes/volumes.ts';
import { VolumeStore } from './store.ts';

export interface AppOptions {
  /** Overrides of DEFAULT_LIMITS. */
  readonly limits?: Partial<ServerLimits>;
  /** When set, every route but /health needs "authorization: Bearer <token>". */
  readonly token?: string;
  /** Request lines, selection-log lines and internal errors; silent when unset. */
  readonly logger?: ServerLogger;
  readonly hooks?: AppHooks;
}

export function createApp(model: Model, options: AppOptions = {}): App {
  const limits = resolveLimits(options.limits);
  const deps: ServerDeps = {
    model,
    limits,
    queue: new JobQueue(limits.queue),
    store: new VolumeStore({ maxEntries: limits.storeEntries, maxBytes: limits.storeBytes, ttlMs: limits.storeTtlMs }),
    logger: options.logger,
    hooks: options.hooks ?? {},
  };
  const app = new Hono<AppEnv>();

  app.use(requestLog(options.logger));
  app.use(async (c, next) => {
    const cancel = requestCancel(c.req.raw.signal, limits.timeoutMs);
    c.set('cancel', cancel);
    try {
      await next();
    } finally {
      cancel.dispose();
    }
  });
  if (options.token !== undefined) app.use(bearerAuth(options.token));

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
    if (mapped.internal) options.logger?.error({ id: c.var.id, err: error }, 'internal error');
    return errorResponse(mapped);
  });
  return app;
}
