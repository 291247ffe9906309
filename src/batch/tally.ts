/** Counting a batch's cases as they finish, for the progress line and the --json summary. */
import { isUnisegError } from '../errors.ts';
import type { LedgerEntry } from './ledger.ts';

export interface BatchProgress {
  readonly total: number;
  /** Cases finished in any way (done, failed or skipped). */
  readonly finished: number;
  readonly done: number;
  readonly failed: number;
  readonly skipped: number;
}

export interface BatchSummary {
  readonly mode: 'local' | 'queue';
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  /** Not run again: finished earlier (done) or failed earlier without --retry-failed (failed). */
  readonly skipped: { readonly done: number; readonly failed: number };
  readonly seconds: number;
  /** Cases done in this run per minute of wall time. */
  readonly cases_per_minute: number;
  readonly output_dir: string;
  readonly ledger: string;
  /** Every case whose latest attempt failed, this run or an earlier one. */
  readonly failures: readonly { id: string; code: string; message: string }[];
}

/** The stable code and message of anything thrown while running a case. */
export function failureOf(error: unknown): { code: string; message: string } {
  if (isUnisegError(error)) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

export class Tally {
  private readonly started = performance.now();
  private done = 0;
  private failed = 0;
  private skippedDone = 0;
  private skippedFailed = 0;
  private readonly failures: { id: string; code: string; message: string }[] = [];

  constructor(
    private readonly total: number,
    private readonly onProgress?: (progress: BatchProgress) => void,
  ) {}

  /** Counts a ledger entry; a skipped earlier failure keeps its code in the failures. */
  add(entry: Omit<LedgerEntry, 'time'>): void {
    if (entry.status === 'done') this.done++;
    else if (entry.status === 'failed') this.failed++;
    else if (entry.reason === 'failed') this.skippedFailed++;
    else this.skippedDone++;
    if (entry.code !== undefined) this.failures.push({ id: entry.id, code: entry.code, message: entry.message ?? '' });
    this.onProgress?.(this.progress());
  }

  progress(): BatchProgress {
    const skipped = this.skippedDone + this.skippedFailed;
    return { total: this.total, finished: this.done + this.failed + skipped, done: this.done, failed: this.failed, skipped };
  }

  summary(mode: BatchSummary['mode'], outputDir: string, ledger: string): BatchSummary {
    const seconds = Math.round(performance.now() - this.started) / 1000;
    return {
      mode,
      total: this.total,
      done: this.done,
      failed: this.failed,
      skipped: { done: this.skippedDone, failed: this.skippedFailed },
      seconds,
      cases_per_minute: seconds > 0 ? Math.round((600 * this.done) / seconds) / 10 : 0,
      output_dir: outputDir,
      ledger,
      failures: this.failures,
    };
  }
}
