/**
 * `uniseg worker`: takes jobs from its package's queue, runs each case with the one loaded model,
 * and returns only after the case folder is in place (so BullMQ acknowledges after the atomic
 * write). A failure goes back as "CODE: message": input errors fail the job at once, others are
 * retried with backoff. close() lets running jobs finish first (graceful SIGTERM).
 */
import { hostname } from 'node:os';
import { UnrecoverableError, Worker } from 'bullmq';
import { runCase } from "./case-runner.js";
import { checkReachable, connectionFromUrl, failureReason, PERMANENT_CODES, queueName } from "./queue.js";
import { otherPackageQueues } from "./status.js";
import { failureOf } from "./tally.js";
/** How often a worker looks for queues of other versions of its package, to say it refuses them. */
const REFUSAL_CHECK_MS = 30_000;
export async function startBatchWorker(options) {
    const { model, packageSha256, logger } = options;
    const name = `${hostname()}:${process.pid}`;
    const queue = queueName(model.manifest.name, packageSha256);
    const stallMs = (options.stallSeconds ?? 30) * 1000;
    const runJob = async (job) => {
        const { id, input, prompts, inputSha256, outputDir } = job.data;
        const attempt = job.attemptsMade + 1;
        logger?.info({ job: job.id, case: id, input, attempt }, 'job started');
        try {
            const outcome = await runCase({ id, input, prompts }, { model, packageSha256, outputDir, expectedInputSha256: inputSha256 });
            logger?.info({ job: job.id, case: id, attempt, seconds: outcome.seconds, reused: outcome.reused, routes: outcome.routes }, 'job done');
            return { routes: outcome.routes, seconds: outcome.seconds, reused: outcome.reused, worker: name };
        }
        catch (error) {
            const failure = failureOf(error);
            const permanent = PERMANENT_CODES.has(failure.code);
            const retry = !permanent && attempt < (job.opts.attempts ?? 1);
            logger?.warn({ job: job.id, case: id, attempt, code: failure.code, message: failure.message, retry }, 'job failed');
            throw permanent ? new UnrecoverableError(failureReason(failure)) : new Error(failureReason(failure));
        }
    };
    await checkReachable(options.url);
    let closing = false;
    const worker = new Worker(queue, runJob, {
        connection: connectionFromUrl(options.url),
        concurrency: options.concurrency ?? 1,
        name,
        lockDuration: stallMs,
        stalledInterval: stallMs,
        autorun: false,
    });
    // ioredis reports every failed reconnect; one line per distinct message in a row is enough.
    let lastError = '';
    worker.on('error', (error) => {
        if (error.message !== lastError)
            logger?.error({ queue, message: error.message }, 'queue error');
        lastError = error.message;
    });
    await worker.waitUntilReady();
    // The Worker does not announce a lost or regained connection; its Redis client does.
    const client = await worker.client;
    let lost = false;
    client.on('close', () => {
        if (!lost && !closing)
            logger?.warn({ queue }, 'redis connection lost; reconnecting');
        lost = true;
    });
    client.on('ready', () => {
        if (lost)
            logger?.info({ queue }, 'redis reconnected');
        lost = false;
        lastError = '';
    });
    const sayRefused = async () => {
        for (const other of await otherPackageQueues(client, model.manifest.name, queue)) {
            if (other.waiting > 0) {
                logger?.warn({ queue: other.name, waiting: other.waiting, package_sha256: packageSha256 }, 'refusing jobs: their package SHA-256 differs from this worker\'s');
            }
        }
    };
    await sayRefused().catch(() => undefined);
    const refusals = setInterval(() => void sayRefused().catch(() => undefined), REFUSAL_CHECK_MS);
    refusals.unref();
    logger?.info({ worker: name, queue, package: model.manifest.name, package_sha256: packageSha256, concurrency: options.concurrency ?? 1 }, 'worker ready');
    const running = worker.run().catch((error) => logger?.error({ queue, message: error.message }, 'worker stopped on an error'));
    return {
        name,
        queue,
        async close() {
            closing = true;
            clearInterval(refusals);
            await worker.close();
            await running;
        },
    };
}
