/**
 * `uniseg batch INPUT... --prompt P --output-dir OUT`: many cases with one model load, resumable
 * (finished cases are skipped, failures remembered), on this machine or, with --queue, through a
 * BullMQ queue on Redis served by `uniseg worker` processes. `--status --queue URL` reports the queues.
 */
import { resolve } from 'node:path';
import { packageSha256 } from "../../batch/hash.js";
import { listCases } from "../../batch/inputs.js";
import { runLocalBatch } from "../../batch/local.js";
import { runQueueBatch } from "../../batch/producer.js";
import { queueStatus } from "../../batch/status.js";
import { UnisegError } from "../../errors.js";
import { DEFAULT_MODEL_DIR } from "../../models/default-model.js";
import { loadModel, readManifest } from "../../models/package.js";
import { parseInteger } from "../options.js";
import { progressReporter } from "../progress.js";
import { EXIT_FAILURE } from "../run.js";
const collect = (value, previous = []) => [...previous, value];
function printStatus(queues) {
    if (queues.length === 0)
        return void process.stdout.write('no uniseg queues on this Redis\n');
    for (const q of queues) {
        process.stdout.write(`${q.name}: ${q.waiting} waiting, ${q.active} active, ${q.delayed} delayed (retry backoff), ${q.done} done, ${q.failed} failed\n`);
        for (const w of q.workers) {
            const now = w.active.length > 0 ? `running ${w.active.join(', ')}` : w.address ? 'idle' : 'gone';
            process.stdout.write(`  worker ${w.name}${w.address ? ` (${w.address})` : ''}: ${now}; ${w.done} done, ${w.failed} failed\n`);
        }
    }
}
function printSummary(summary) {
    const { skipped } = summary;
    process.stdout.write(`batch: ${summary.done} done, ${summary.failed} failed, ${skipped.done + skipped.failed} skipped (${skipped.done} done earlier, ${skipped.failed} failed earlier) of ${summary.total} in ${summary.seconds.toFixed(1)} s (${summary.cases_per_minute} cases/min)\n`);
    for (const f of summary.failures)
        process.stdout.write(`  ${f.id}: ${f.code}: ${f.message}\n`);
    process.stdout.write(`ledger: ${summary.ledger}\n`);
}
export function registerBatch(program) {
    program
        .command('batch')
        .description('segment many CTs (files, folders, CSV/JSONL manifests) into OUT/<id>/, resumable; on this machine or through a Redis queue')
        .argument('[inputs...]', '.nii/.nii.gz files, folders of them, or .csv/.jsonl manifests (columns image, prompts, id)')
        .option('-p, --prompt <text>', 'what to segment (repeatable); a manifest row\'s "prompts" replace these', collect)
        .option('-m, --model <dir>', 'model package directory', DEFAULT_MODEL_DIR)
        .option('--output-dir <dir>', 'one folder per case (masks, statistics.json, selection.jsonl, case.json) and the ledger batch.jsonl')
        .option('--retry-failed', 'run cases that failed in an earlier run (default: skip them)')
        .option('--concurrency <n>', 'cases in flight at once in this process, sharing the one model (local mode)', '1')
        .option('--threads <n>', 'ONNX Runtime threads (default: all cores)')
        .option('--queue <url>', 'enqueue into the Redis queue at this URL (redis://host:6379) for `uniseg worker`s and wait for them')
        .option('--no-wait', 'with --queue: return once the jobs are queued (run the same command again later to wait and record them)')
        .option('--status', 'with --queue: print every uniseg queue (waiting, active, done, failed) and its workers, then exit')
        .option('--json', 'print the summary (or the status) as JSON on stdout')
        .addHelpText('after', `
A case is done when OUT/<id>/case.json exists with the same input SHA-256, package SHA-256 and
prompts; a re-run skips it. Exit code 1 when any case's latest attempt failed (see the ledger).

Examples:
  $ uniseg batch scans/ --prompt liver --prompt spleen --output-dir out
  $ uniseg batch cohort.csv --output-dir out --retry-failed --json
  $ uniseg batch scans/ -p liver --output-dir /shared/out --queue redis://queue-host:6379
  $ uniseg batch --status --queue redis://queue-host:6379`)
        .action(async (inputs, flags) => {
        if (flags.status) {
            if (flags.queue === undefined)
                throw new UnisegError('INVALID_ARGUMENT', '--status needs --queue URL (the Redis to ask)', { field: '--status' });
            if (inputs.length > 0)
                throw new UnisegError('INVALID_ARGUMENT', `--status takes no INPUT (got ${inputs.join(' ')})`, { field: '--status' });
            const queues = await queueStatus(flags.queue);
            if (flags.json)
                process.stdout.write(`${JSON.stringify(queues, null, 2)}\n`);
            else
                printStatus(queues);
            return;
        }
        if (flags.outputDir === undefined)
            throw new UnisegError('INVALID_ARGUMENT', 'give --output-dir DIR: one folder per case and the ledger go there', { field: '--output-dir' });
        const concurrency = parseInteger('--concurrency', flags.concurrency ?? '1', { min: 1, max: 64 });
        if (flags.queue !== undefined && concurrency !== 1) {
            throw new UnisegError('INVALID_ARGUMENT', 'with --queue, concurrency is per worker: `uniseg worker --concurrency N`', { field: '--concurrency' });
        }
        const threads = flags.threads === undefined ? undefined : parseInteger('--threads', flags.threads, { min: 1, max: 256 });
        const cases = await listCases(inputs, flags.prompt ?? [], { outputDir: flags.outputDir });
        const progress = progressReporter('cases');
        const onProgress = (p) => progress.update(p.finished, p.total, `${p.failed} failed, ${p.skipped} skipped`);
        let summary;
        try {
            if (flags.queue !== undefined) {
                const dir = resolve(flags.model);
                const manifest = await readManifest(dir);
                summary = await runQueueBatch({
                    cases,
                    url: flags.queue,
                    packageName: manifest.name,
                    packageSha256: await packageSha256(dir, manifest),
                    outputDir: flags.outputDir,
                    retryFailed: flags.retryFailed,
                    onProgress,
                    onNotice: (message) => process.stderr.write(`uniseg batch: ${message}\n`),
                    wait: flags.wait,
                });
            }
            else {
                const model = await loadModel(flags.model, threads === undefined ? {} : { threads });
                try {
                    const sha = await packageSha256(model.dir, model.manifest);
                    summary = await runLocalBatch({ cases, model, packageSha256: sha, outputDir: flags.outputDir, retryFailed: flags.retryFailed, concurrency, onProgress });
                }
                finally {
                    await model.close();
                }
            }
        }
        finally {
            progress.done();
        }
        if (flags.json)
            process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        else
            printSummary(summary);
        if (summary.mode === 'queue' && 'queued' in summary && summary.queued > 0)
            process.stderr.write(`uniseg batch: ${summary.queued} jobs queued on ${summary.queue}; run the same command again to wait for them\n`);
        if (summary.failures.length > 0)
            process.exitCode = EXIT_FAILURE;
    });
}
