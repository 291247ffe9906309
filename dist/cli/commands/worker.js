import { packageSha256 } from "../../batch/hash.js";
import { startBatchWorker } from "../../batch/worker.js";
import { DEFAULT_MODEL_DIR } from "../../models/default-model.js";
import { loadModel } from "../../models/package.js";
import { createSelectionLogger } from "../../pathways/log.js";
import { parseInteger, parseNumber } from "../options.js";
export function registerWorker(program) {
    program
        .command('worker')
        .description('take `uniseg batch --queue` jobs for this model package from Redis and write their case folders')
        .requiredOption('--queue <url>', 'the Redis the batch was queued on, e.g. redis://queue-host:6379')
        .option('-m, --model <dir>', 'model package directory (jobs of a package with another SHA-256 are refused)', DEFAULT_MODEL_DIR)
        .option('--concurrency <n>', 'jobs at once in this process, sharing the one model', '1')
        .option('--threads <n>', 'ONNX Runtime threads (default: all cores)')
        .option('--stall-timeout-s <s>', 'seconds a job may go without its worker\'s heartbeat before another worker takes it over', '30')
        .option('--log <file>', 'worker log, JSON lines: a file, "-" for stdout (default: stderr)')
        .option('--no-log', 'no log')
        .addHelpText('after', `
The batch's --output-dir and inputs must be reachable at the same paths here (a shared file system).

Examples:
  $ uniseg worker --queue redis://queue-host:6379
  $ uniseg worker --queue redis://queue-host:6379 --model ./my-package --concurrency 2 --threads 8`)
        .action(async (flags) => {
        const concurrency = parseInteger('--concurrency', flags.concurrency, { min: 1, max: 64 });
        const threads = flags.threads === undefined ? undefined : parseInteger('--threads', flags.threads, { min: 1, max: 256 });
        const stallSeconds = parseNumber('--stall-timeout-s', flags.stallTimeoutS, { min: 1, max: 86_400 });
        const logger = flags.log === false ? undefined : createSelectionLogger(typeof flags.log === 'string' ? flags.log : 'stderr');
        // Signal handlers before the worker takes jobs: a signal that comes while it starts (or just
        // after "worker ready") must drain it like any other, not kill it mid-job.
        const signalled = new Promise((resolve) => {
            const stop = (s) => {
                process.off('SIGTERM', stop).off('SIGINT', stop);
                process.once('SIGTERM', () => process.exit(1)).once('SIGINT', () => process.exit(1));
                resolve(s);
            };
            process.on('SIGTERM', stop).on('SIGINT', stop);
        });
        const model = await loadModel(flags.model, threads === undefined ? {} : { threads });
        try {
            const worker = await startBatchWorker({ url: flags.queue, model, packageSha256: await packageSha256(model.dir, model.manifest), concurrency, stallSeconds, logger });
            process.stderr.write(`uniseg worker: ${worker.name} serving ${worker.queue} (concurrency ${concurrency})\n`);
            const signal = await signalled;
            process.stderr.write(`uniseg worker: ${signal}: finishing running jobs, then exiting\n`);
            logger?.info({ signal }, 'shutting down');
            await worker.close();
            logger?.info({}, 'stopped');
        }
        finally {
            await model.close();
        }
    });
}
