/**
 * The batch on one machine: one model, `concurrency` cases in flight, each case skipped, run or
 * failed on its own, one ledger line per case. A kill at any point leaves finished case folders
 * and at most staging folders, which the next run removes before it starts.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Model } from '../models/package.ts';
import { removeStaleStaging } from './case-dir.ts';
import { runCase } from './case-runner.ts';
import type { BatchCase } from './inputs.ts';
import { Ledger } from './ledger.ts';
import { checkCase } from './skip.ts';
import { failureOf, Tally, type BatchProgress, type BatchSummary } from './tally.ts';

export interface LocalBatchOptions {
  readonly cases: readonly BatchCase[];
  readonly model: Model;
  readonly packageSha256: string;
  readonly outputDir: string;
  readonly retryFailed?: boolean;
  /** Cases in flight at once in this process (sharing the one model); default 1. */
  readonly concurrency?: number;
  readonly onProgress?: (progress: BatchProgress) => void;
}

export async function runLocalBatch(options: LocalBatchOptions): Promise<BatchSummary> {
  const outputDir = resolve(options.outputDir);
  await mkdir(outputDir, { recursive: true });
  const ledger = new Ledger(outputDir);
  const last = await ledger.last();
  await removeStaleStaging(outputDir, new Set(options.cases.map((c) => c.id)));
  const tally = new Tally(options.cases.length, options.onProgress);
  const context = { packageSha256: options.packageSha256, outputDir, last, retryFailed: options.retryFailed ?? false };

  const one = async (item: BatchCase) => {
    const base = { id: item.id, input: item.input };
    let digest = '';
    const started = performance.now();
    let entry;
    try {
      const check = await checkCase(item, context);
      digest = check.digest;
      if (check.skip) entry = check.skip;
      else {
        const outcome = await runCase(item, { model: options.model, packageSha256: options.packageSha256, outputDir }, check.key);
        entry = { ...base, status: 'done' as const, key: digest, seconds: outcome.seconds, routes: outcome.routes };
      }
    } catch (error) {
      entry = { ...base, status: 'failed' as const, key: digest, seconds: Math.round(performance.now() - started) / 1000, ...failureOf(error) };
    }
    await ledger.append(entry);
    tally.add(entry);
  };

  // A fixed number of runners pulling the next case: order is kept for one runner.
  let next = 0;
  const runner = async () => {
    while (next < options.cases.length) await one(options.cases[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, runner));
  await removeStaleStaging(outputDir, new Set());
  return tally.summary('local', outputDir, ledger.file);
}
