/**
 * The batch on one machine: one model, `concurrency` cases in flight, each case skipped, run or
 * failed on its own, one ledger line per case. A kill at any point leaves finished case folders
 * and at most staging folders, which the next run removes before it starts.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { removeStaleStaging } from "./case-dir.js";
import { runCase } from "./case-runner.js";
import { Ledger } from "./ledger.js";
import { checkCase } from "./skip.js";
import { failureOf, Tally } from "./tally.js";
export async function runLocalBatch(options) {
    const outputDir = resolve(options.outputDir);
    await mkdir(outputDir, { recursive: true });
    const ledger = new Ledger(outputDir);
    const last = await ledger.last();
    await removeStaleStaging(outputDir, new Set(options.cases.map((c) => c.id)));
    const tally = new Tally(options.cases.length, options.onProgress);
    const context = { packageSha256: options.packageSha256, outputDir, last, retryFailed: options.retryFailed ?? false };
    const one = async (item) => {
        const base = { id: item.id, input: item.input };
        let digest = '';
        const started = performance.now();
        let entry;
        try {
            const check = await checkCase(item, context);
            digest = check.digest;
            if (check.skip)
                entry = check.skip;
            else {
                const outcome = await runCase(item, { model: options.model, packageSha256: options.packageSha256, outputDir }, check.key);
                entry = { ...base, status: 'done', key: digest, seconds: outcome.seconds, routes: outcome.routes };
            }
        }
        catch (error) {
            entry = { ...base, status: 'failed', key: digest, seconds: Math.round(performance.now() - started) / 1000, ...failureOf(error) };
        }
        await ledger.append(entry);
        tally.add(entry);
    };
    // A fixed number of runners pulling the next case: order is kept for one runner.
    let next = 0;
    const runner = async () => {
        while (next < options.cases.length)
            await one(options.cases[next++]);
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, runner));
    await removeStaleStaging(outputDir, new Set());
    return tally.summary('local', outputDir, ledger.file);
}
