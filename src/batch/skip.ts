/**
 * Whether a case runs again, decided the same way locally and on the queue: a finished folder
 * made from the same input, package and prompts is skipped; so is a failure with that same key,
 * unless --retry-failed.
 */
import { currentKey, isDone } from './case-runner.ts';
import { keyDigest, type CaseKey } from './hash.ts';
import type { BatchCase } from './inputs.ts';
import type { LedgerEntry } from './ledger.ts';

export interface SkipContext {
  readonly packageSha256: string;
  readonly outputDir: string;
  /** The ledger's last done/failed entry per id. */
  readonly last: ReadonlyMap<string, LedgerEntry>;
  readonly retryFailed: boolean;
}

export interface CaseCheck {
  readonly key: CaseKey;
  readonly digest: string;
  /** The ledger entry to write instead of running, when the case is skipped. */
  readonly skip?: Omit<LedgerEntry, 'time'>;
}

/** Hashes the input (a missing one throws FILE_NOT_FOUND) and decides. */
export async function checkCase(item: BatchCase, context: SkipContext): Promise<CaseCheck> {
  const key = await currentKey(item, context.packageSha256);
  const digest = keyDigest(key);
  const base = { id: item.id, input: item.input, status: 'skipped' as const, key: digest };
  if (await isDone(context.outputDir, item.id, key)) return { key, digest, skip: { ...base, reason: 'done' } };
  const last = context.last.get(item.id);
  if (!context.retryFailed && last?.status === 'failed' && last.key === digest) {
    return { key, digest, skip: { ...base, reason: 'failed', code: last.code, message: last.message } };
  }
  return { key, digest };
}
