import { Redis } from 'ioredis';
import { UnisegError } from "../errors.js";
export const QUEUE_PREFIX = 'uniseg.';
export function queueName(packageName, packageSha256) {
    return `${QUEUE_PREFIX}${packageName.replace(/[^A-Za-z0-9_-]+/g, '_')}.${packageSha256.slice(0, 16)}`;
}
/** redis://[user:password@]host[:port][/db] or rediss:// (TLS) to ioredis options. */
export function connectionFromUrl(url) {
    let parsed;
    try {
        parsed = new URL(url);
    }
    catch {
        parsed = new URL('invalid:');
    }
    const db = parsed.pathname.replace(/^\//, '');
    if ((parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') || parsed.hostname === '' || !/^\d*$/.test(db)) {
        throw new UnisegError('INVALID_ARGUMENT', `--queue must be a Redis URL such as redis://127.0.0.1:6379 or redis://host:6379/2; got "${url}"`, { field: '--queue', value: url });
    }
    return {
        host: parsed.hostname.replace(/^\[|\]$/g, ''),
        port: parsed.port === '' ? 6379 : Number(parsed.port),
        ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
        ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
        ...(db === '' ? {} : { db: Number(db) }),
        ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    };
}
/** Same case, same inputs, same output folder: same job id, so enqueuing twice adds nothing. */
export function jobId(caseId, digestWithOutput) {
    return `${caseId}.${digestWithOutput.slice(0, 16)}`;
}
/** Failed jobs stay in Redis with their reason (and so keep deduplicating); so do finished ones. */
export const JOB_OPTIONS = {
    attempts: 3,
    backoff: { type: 'exponential', delay: 2000 },
    removeOnComplete: false,
    removeOnFail: false,
};
/** Failures the input causes: retrying cannot help, so the job fails at once. */
export const PERMANENT_CODES = new Set([
    'NIFTI_NOT_NIFTI',
    'NIFTI_TRUNCATED',
    'NIFTI_BAD_HEADER',
    'NIFTI_BAD_DIMENSION',
    'NIFTI_TOO_LARGE',
    'NIFTI_DECOMPRESSION_LIMIT',
    'NIFTI_UNSUPPORTED_DATATYPE',
    'NIFTI_NONFINITE',
    'FILE_NOT_FOUND',
    'GEOMETRY_INVALID',
    'VOLUME_INVALID',
    'VOLUME_EMPTY_AFTER_CROP',
    'INVALID_ARGUMENT',
    'PROMPT_EMPTY',
    'PROMPT_UNKNOWN',
    'BATCH_INPUT_CHANGED',
]);
/** A failed job's reason is "CODE: message", so the typed error survives the trip through Redis. */
export function failureReason(failure) {
    return `${failure.code}: ${failure.message}`;
}
export function parseFailureReason(reason) {
    const match = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(reason ?? '');
    // BullMQ's own reasons ("job stalled more than allowable limit") carry no code of ours.
    return match ? { code: match[1], message: match[2] } : { code: 'QUEUE_JOB_FAILED', message: reason || 'the job failed without a reason' };
}
/**
 * One plain connection and a PING before any BullMQ object exists: a refused connection or no
 * answer within `seconds` is QUEUE_UNREACHABLE at once (a typo in the URL should not hang, nor
 * leave BullMQ retrying in the background). Once running, BullMQ reconnects on its own.
 */
export async function checkReachable(url, seconds = 10) {
    const client = new Redis({ ...connectionFromUrl(url), lazyConnect: true, connectTimeout: seconds * 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
        await client.connect();
        await client.ping();
    }
    catch (error) {
        throw new UnisegError('QUEUE_UNREACHABLE', `cannot reach Redis at ${url} (${error.message}); start it (redis-server --port 6379) or check --queue`, { url });
    }
    finally {
        client.disconnect();
    }
}
