/**
 * The selection log: one JSON line per resolved prompt saying where it went and why. Written
 * through pino (a structured logger) to a file or stdout; off unless a logger is given.
 */
import { pino, type Logger } from 'pino';

export interface SelectionRecord {
  readonly prompt: string;
  readonly normalized: string;
  readonly route: 'pathway' | 'head' | 'fixed';
  readonly task: string;
  readonly pathway: readonly number[];
  readonly similarity: number | null;
  /** Why this route: "similarity", "name", or "name (similarity below threshold)". */
  readonly reason: string;
  readonly ms: number;
  readonly truncated?: boolean;
}

export type SelectionLogger = Pick<Logger, 'info'>;

/** A logger writing JSON lines to `destination`: "-" for stdout, "stderr", or a file path (appended). */
export function createSelectionLogger(destination: string): Logger {
  const stream =
    destination === '-' || destination === 'stderr'
      ? pino.destination({ fd: destination === '-' ? 1 : 2, sync: true })
      : pino.destination({ dest: destination, append: true, mkdir: true, sync: true });
  return pino({ base: null, messageKey: 'event', timestamp: pino.stdTimeFunctions.isoTime }, stream);
}

export function logSelection(logger: SelectionLogger | undefined, record: SelectionRecord): void {
  logger?.info({ ...record, pathway: record.pathway.join(',') }, 'prompt resolved');
}

/** A prompt that could not be resolved is logged too, with the error code instead of a route. */
export function logRefusal(logger: SelectionLogger | undefined, record: { prompt: string; normalized: string; error: string; truncated: boolean; ms: number }): void {
  logger?.info(record, 'prompt refused');
}
