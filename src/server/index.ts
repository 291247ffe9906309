/** The HTTP service: createApp (a Hono app, for tests and embedding) and startServer (listening). */
export { createApp, type AppOptions } from './app.ts';
export { startServer, DEFAULT_HOST, DEFAULT_PORT, type StartOptions, type RunningServer } from './start.ts';
export { DEFAULT_LIMITS, type ServerLimits } from './limits.ts';
export { ACCEPTED_MEDIA_TYPES } from './body.ts';
export { ServerError, type ServerErrorCode, type ErrorBody } from './errors.ts';
export type { App, AppHooks, ServerLogger } from './context.ts';
