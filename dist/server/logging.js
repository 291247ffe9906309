/**
 * One JSON line per request (method, path, status, ms, body bytes, prompts, routes), written after the answer
 * is decided; the engine's selection-log lines for the same request carry no id but come just
 * before it. Internal errors are logged with their stack, since the client only sees an id.
 */
import { randomBytes } from 'node:crypto';
export function requestLog(logger) {
    return async (c, next) => {
        const started = performance.now();
        c.set('id', randomBytes(6).toString('hex'));
        await next();
        const { prompts, routes } = c.var;
        logger?.info({
            id: c.var.id,
            method: c.req.method,
            path: c.req.path,
            status: c.res.status,
            ms: Math.round((performance.now() - started) * 10) / 10,
            ...(c.req.header('content-length') ? { bytes: Number(c.req.header('content-length')) } : {}),
            ...(prompts ? { prompts } : {}),
            ...(routes ? { routes } : {}),
        }, 'request');
    };
}
