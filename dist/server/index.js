/** The HTTP service: createApp (a Hono app, for tests and embedding) and startServer (listening). */
export { createApp } from "./app.js";
export { startServer, DEFAULT_HOST, DEFAULT_PORT } from "./start.js";
export { DEFAULT_LIMITS } from "./limits.js";
export { ACCEPTED_MEDIA_TYPES } from "./body.js";
export { ServerError } from "./errors.js";
