/**
 * OUT/batch.jsonl: append-only, one JSON line per case attempt, never rewritten. The case
 * folders are the truth about what is done; the ledger is the history (and remembers failures,
 * which have no folder). Only one process appends: the local batch, or the queue's producer.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const LEDGER_FILE = 'batch.jsonl';

export type LedgerStatus = 'done' | 'failed' | 'skipped';

export interface LedgerEntry {
  readonly time: string;
  readonly id: string;
  readonly input: string;
  readonly status: LedgerStatus;
  /** keyDigest of input, package and prompts: a failure is remembered only for the same key. */
  readonly key: string;
  readonly seconds?: number;
  /** Prompt -> route taken ("pathway 1,3", "head Organs", "fixed"). */
  readonly routes?: Readonly<Record<string, string>>;
  readonly code?: string;
  readonly message?: string;
  /** For skipped: "done" (finished earlier) or "failed" (failed earlier; --retry-failed runs it). */
  readonly reason?: 'done' | 'failed';
  /** Queue mode: the worker that ran it and how many attempts it took. */
  readonly worker?: string;
  readonly attempts?: number;
}

export class Ledger {
  readonly file: string;

  constructor(outputDir: string) {
    this.file = join(outputDir, LEDGER_FILE);
  }

  /**
   * The last done/failed entry per case id. A line torn by a kill is ignored, and a newline is
   * added after it so the next append starts a line of its own.
   */
  async last(): Promise<Map<string, LedgerEntry>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw error;
    }
    if (text !== '' && !text.endsWith('\n')) await appendFile(this.file, '\n');
    const last = new Map<string, LedgerEntry>();
    for (const line of text.split('\n')) {
      let entry: LedgerEntry;
      try {
        entry = JSON.parse(line) as LedgerEntry;
      } catch {
        continue;
      }
      if (entry.status === 'done' || entry.status === 'failed') last.set(entry.id, entry);
    }
    return last;
  }

  /** One write of one whole line, so a kill leaves at most one torn line at the end. */
  async append(entry: Omit<LedgerEntry, 'time'>): Promise<void> {
    await appendFile(this.file, `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  }
}
