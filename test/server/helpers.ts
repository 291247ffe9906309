/** Shared pieces for the server tests: fixture paths, crafted NIfTI bodies, a held job, a log sink. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { UnisegError } from '../../src/errors.ts';
import type { ServerLogger } from '../../src/server/index.ts';
import { identityAffine } from '../../src/volume/affine.ts';
import { encodeVolume } from '../../src/volume/nifti/index.ts';
import { makeVolume } from '../../src/volume/volume.ts';
import { FIXTURES, TEST_MODELS } from '../helpers/paths.ts';

export const PLAIN = join(TEST_MODELS, 'plain');
export const SMALL_CT = join(FIXTURES, 'engine', 'small', 'ct.nii.gz');
export const smallCt = (): Buffer => readFileSync(SMALL_CT);

/** A valid uncompressed NIfTI-1 file of an 8x8x8 int16 volume: 352-byte header + 1024 bytes. */
export function tinyNifti(): Buffer {
  return encodeVolume(makeVolume(new Int16Array(512), [8, 8, 8], identityAffine()));
}

/** The tiny file's header, claiming n x n x n voxels (n = 10000: 10^12 voxels). */
export function voxelBomb(n = 10_000): Buffer {
  const header = Buffer.from(tinyNifti().subarray(0, 352));
  for (const axis of [1, 2, 3]) header.writeInt16LE(n, 40 + 2 * axis);
  return header;
}

/**
 * A .nii.gz whose header describes the tiny 8x8x8 volume, followed by `zeroBytes` of zeros: a
 * few hundred KB compressed, built chunk by chunk so the test itself never holds the zeros.
 */
export async function gzipBomb(zeroBytes: number): Promise<Buffer> {
  const gzip = zlib.createGzip({ level: 1 });
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise((resolve, reject) => gzip.on('end', resolve).on('error', reject));
  gzip.write(tinyNifti());
  const zeros = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < zeroBytes; written += zeros.length) {
    if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  return Buffer.concat(out);
}

/**
 * A gate for AppHooks.beforeSegment: every job entering it waits until open() or until its
 * request is cancelled. `onAbort: 'continue'` lets a cancelled job go on into the engine (which
 * must then refuse it), 'throw' stops it in the hook.
 */
export function gate(onAbort: 'throw' | 'continue' = 'throw') {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const signals: AbortSignal[] = [];
  const waiters: (() => void)[] = [];
  return {
    signals,
    open: () => open(),
    /** Resolves once `count` jobs have entered the gate. */
    entered: (count = 1) =>
      new Promise<void>((resolve) => {
        const check = () => (signals.length >= count ? resolve() : void waiters.push(check));
        check();
      }),
    hook: async (signal: AbortSignal) => {
      signals.push(signal);
      for (const waiter of waiters.splice(0)) waiter();
      const aborted = new Promise<void>((resolve, reject) =>
        signal.addEventListener('abort', () => (onAbort === 'throw' ? reject(new UnisegError('ABORTED', 'held job cancelled')) : resolve()), { once: true }),
      );
      await Promise.race([opened, aborted]);
    },
  };
}

export interface LogLine {
  readonly level: 'info' | 'error';
  readonly msg?: string;
  readonly [key: string]: unknown;
}

/** A logger that keeps every line in memory. */
export function memoryLogger(): { logger: ServerLogger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = (level: LogLine['level']) => (obj: unknown, msg?: string) => void lines.push({ level, msg, ...(obj as object) });
  return { logger: { info: sink('info'), error: sink('error') } as unknown as ServerLogger, lines };
}

export async function errorOf(response: Response): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  const body = (await response.json()) as { error: { code: string; message: string; details: Record<string, unknown> } };
  return body.error;
}
