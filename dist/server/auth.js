/**
 * Bearer-token check for every route but /health (which load balancers probe without secrets) and
 * the web page with its assets (no data in them; the page asks for the token).
 * Both sides are hashed first so the constant-time comparison never sees different lengths.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ServerError } from "./errors.js";
import { PUBLIC_PATHS } from "./routes/page.js";
import { parseHeaders } from "./validate.js";
const digest = (text) => createHash('sha256').update(text, 'utf8').digest();
export function bearerAuth(token) {
    const expected = digest(token);
    return async (c, next) => {
        if (c.req.path === '/health' || PUBLIC_PATHS.test(c.req.path))
            return next();
        const header = parseHeaders(c).authorization;
        const match = header === undefined ? null : /^Bearer\s+(.+)$/i.exec(header.trim());
        if (!match)
            throw new ServerError('UNAUTHORIZED', 'this server needs a token: send the header "authorization: Bearer <token>"', {});
        if (!timingSafeEqual(digest(match[1]), expected))
            throw new ServerError('UNAUTHORIZED', 'the bearer token is wrong', {});
        return next();
    };
}
