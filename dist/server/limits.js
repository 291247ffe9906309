/**
 * Every bound the server enforces, with its default. A request can never make the server hold
 * more than maxUploadBytes of body, more than maxVoxels / maxDecompressedBytes of decoded volume,
 * or wait longer than timeoutMs; the queue and the volume store are bounded too.
 */
import { UnisegError } from "../errors.js";
const MB = 1024 * 1024;
export const DEFAULT_LIMITS = {
    maxUploadBytes: 512 * MB,
    // 2^28 voxels holds a 512 x 512 x 1024 CT.
    maxVoxels: 2 ** 28,
    maxDecompressedBytes: 2048 * MB,
    timeoutMs: 600_000,
    queue: 4,
    maxPrompts: 32,
    storeEntries: 16,
    storeBytes: 2048 * MB,
    storeTtlMs: 600_000,
};
/** Defaults filled in; every value must be a positive number (queue may be 0: no waiting). */
export function resolveLimits(partial = {}) {
    const limits = { ...DEFAULT_LIMITS, ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) };
    for (const [key, value] of Object.entries(limits)) {
        const ok = typeof value === 'number' && Number.isFinite(value) && (key === 'queue' ? value >= 0 && Number.isInteger(value) : value > 0);
        if (!ok)
            throw new UnisegError('INVALID_ARGUMENT', `server limit ${key} must be a ${key === 'queue' ? 'non-negative integer' : 'positive number'}; got ${String(value)}`, { field: key, value });
    }
    return limits;
}
