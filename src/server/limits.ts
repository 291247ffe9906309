/**
 * Every bound the server enforces, with its default. A request can never make the server hold
 * more than maxUploadBytes of body, more than maxVoxels / maxDecompressedBytes of decoded volume,
 * or wait longer than timeoutMs; the queue and the volume store are bounded too.
 */
import { UnisegError } from '../errors.ts';

export interface ServerLimits {
  /** Largest request body; counted while streaming, so a larger one is refused after this many bytes. */
  readonly maxUploadBytes: number;
  /** Largest first-volume voxel count (checked from the NIfTI header before allocating). */
  readonly maxVoxels: number;
  /** Largest decompressed size of a .nii.gz upload (gzip bombs stop here or earlier). */
  readonly maxDecompressedBytes: number;
  /** Whole-request deadline (upload, queue wait and inference), milliseconds. */
  readonly timeoutMs: number;
  /** Jobs waiting behind the running one; one more is answered 429. */
  readonly queue: number;
  /** Prompts per request. */
  readonly maxPrompts: number;
  /** Stored volumes (POST /volumes): entries, total decoded bytes, time to live. */
  readonly storeEntries: number;
  readonly storeBytes: number;
  readonly storeTtlMs: number;
}

const MB = 1024 * 1024;

export const DEFAULT_LIMITS: ServerLimits = {
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
export function resolveLimits(partial: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...DEFAULT_LIMITS, ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) } as ServerLimits;
  for (const [key, value] of Object.entries(limits)) {
    const ok = typeof value === 'number' && Number.isFinite(value) && (key === 'queue' ? value >= 0 && Number.isInteger(value) : value > 0);
    if (!ok) throw new UnisegError('INVALID_ARGUMENT', `server limit ${key} must be a ${key === 'queue' ? 'non-negative integer' : 'positive number'}; got ${String(value)}`, { field: key, value });
  }
  return limits;
}
