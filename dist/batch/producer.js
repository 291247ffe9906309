/**
 * `uniseg batch --queue URL`: one job per case into the package's queue, then wait and record
 * each outcome in the ledger (this process is the ledger's only writer). Waiting polls job
 * states rather than listening to events, so a Redis restart loses nothing: a job Redis no
 * longer knows (restarted without persistence) is added again under the same id, and a worker
 * finding its folder already finished returns at once.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Job, Queue } from 'bullmq';
import { removeStaleStaging } from "./case-dir.js";
import { keyDigest } from "./hash.js";
import { Ledger } from "./ledger.js";
import { checkReachable, connectionFromUrl, JOB_OPTIONS, jobId, parseFailureReason, queueName } from "./queue.js";
import { checkCase } from "./skip.js";
import { failureOf, Tally } from "./tally.js";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export async function runQueueBatch(options) {
    const outputDir = resolve(options.outputDir);
    await mkdir(outputDir, { recursive: true });
    const name = queueName(options.packageName, options.packageSha256);
    await checkReachable(options.url);
    const queue = new Queue(name, { connection: connectionFromUrl(options.url) });
    // Connection errors while Redis is away are expected and retried; the poll loop reports them.
    queue.on('error', () => undefined);
    try {
        const ledger = new Ledger(outputDir);
        const tally = new Tally(options.cases.length, options.onProgress);
        const record = async (entry) => {
            await ledger.append(entry);
            tally.add(entry);
        };
        const context = { packageSha256: options.packageSha256, outputDir, last: await ledger.last(), retryFailed: options.retryFailed ?? false };
        const pending = new Map();
        let enqueued = 0;
        for (const item of options.cases) {
            let check;
            try {
                check = await checkCase(item, context);
            }
            catch (error) {
                await record({ id: item.id, input: item.input, status: 'failed', key: '', ...failureOf(error) });
                continue;
            }
            if (check.skip) {
                await record(check.skip);
                continue;
            }
            const data = { id: item.id, input: item.input, prompts: item.prompts, inputSha256: check.key.inputSha256, packageSha256: options.packageSha256, outputDir };
            const id = jobId(item.id, keyDigest(check.key, outputDir));
            if (await enqueue(queue, id, data, context.retryFailed))
                enqueued++;
            pending.set(id, { item, data, digest: check.digest });
        }
        if (options.wait !== false) {
            await waitForJobs(queue, pending, record, options);
            await removeStaleStaging(outputDir, new Set(options.cases.map((c) => c.id)));
        }
        return { ...tally.summary('queue', outputDir, ledger.file), queue: name, enqueued, queued: pending.size };
    }
    finally {
        await queue.close();
    }
}
/**
 * Adds the job unless one with its id exists: a failed one is retried only with --retry-failed
 * (else its failure is reported), a completed one whose folder has gone since is run again.
 * Returns whether a job was added or moved back to waiting.
 */
async function enqueue(queue, id, data, retryFailed) {
    const existing = await Job.fromId(queue, id);
    if (existing !== undefined) {
        const state = await existing.getState();
        if (state === 'failed' && retryFailed) {
            await existing.retry('failed');
            return true;
        }
        if (state !== 'completed')
            return false;
        await existing.remove();
    }
    await queue.add('case', data, { ...JOB_OPTIONS, jobId: id });
    return true;
}
async function waitForJobs(queue, pending, record, options) {
    let unreachable = false;
    while (pending.size > 0) {
        try {
            for (const [id, p] of pending) {
                const base = { id: p.item.id, input: p.item.input, key: p.digest };
                const job = await Job.fromId(queue, id);
                if (job === undefined) {
                    options.onNotice?.(`job ${id} is no longer in Redis (restarted without persistence?); adding it again`);
                    await queue.add('case', p.data, { ...JOB_OPTIONS, jobId: id });
                    continue;
                }
                if (job.finishedOn === undefined)
                    continue;
                const state = await job.getState();
                if (state === 'completed') {
                    const result = job.returnvalue;
                    await record({ ...base, status: 'done', seconds: result.seconds, routes: result.routes, worker: result.worker, attempts: job.attemptsMade });
                }
                else if (state === 'failed') {
                    await record({ ...base, status: 'failed', ...parseFailureReason(job.failedReason), worker: job.processedBy, attempts: job.attemptsMade });
                }
                else
                    continue;
                pending.delete(id);
            }
            if (unreachable)
                options.onNotice?.('Redis is reachable again');
            unreachable = false;
        }
        catch (error) {
            if (!unreachable)
                options.onNotice?.(`Redis unreachable (${error.message}); waiting for it to come back`);
            unreachable = true;
        }
        if (pending.size > 0)
            await sleep(options.pollMs ?? 500);
    }
}
