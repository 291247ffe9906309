/**
 * `uniseg worker --queue URL`: serves `uniseg batch --queue` jobs for its model package until
 * SIGTERM or SIGINT, which let the running jobs finish and then exit 0 (a second signal exits at
 * once). Logs are JSON lines, as `uniseg serve` writes them.
 */
import type { Command } from 'commander';
import { packageSha256 } from '../../batch/hash.ts';
import { startBatchWorker } from '../../batch/worker.ts';
import { DEFAULT_MODEL_DIR } from '../../models/default-model.ts';
import { loadModel } from '../../models/package.ts';
import { createSelectionLogger } from '../../pathways/log.ts';
import { parseInteger, parseNumber } from '../options.ts';

interface WorkerFlags {
  queue: string;
  model: string;
  concurrency: string;
  threads?: string;
  stallTimeoutS: string;
  log?: string | boolean;
}

export function registerWorker(program: Command): void {
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
    .addHelpText(
      'after',
      `
The batch's --output-dir and inputs must be reachable at the same paths here (a shared file system).

Examples:
  $ uniseg worker --queue redis://queue-host:6379
  $ uniseg worker --queue redis://queue-host:6379 --model ./my-package --concurrency 2 --threads 8`,
    )
    .action(async (flags: WorkerFlags) => {
      const concurrency = parseInteger('--concurrency', flags.concurrency, { min: 1, max: 64 });
      const threads = flags.threads === undefined ? undefined : parseInteger('--threads', flags.threads, { min: 1, max: 256 });
      const stallSeconds = parseNumber('--stall-timeout-s', flags.stallTimeoutS, { min: 1, max: 86_400 });
      const logger = flags.log === false ? undefined : createSelectionLogger(typeof flags.log === 'string' ? flags.log : 'stderr');

      // Signal handlers before the worker takes jobs: a signal that comes while it starts (or just
      // after "worker ready") must drain it like any other, not kill it mid-job.
      const signalled = new Promise<NodeJS.Signals>((resolve) => {
        const stop = (s: NodeJS.Signals) => {
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
      } finally {
        await model.close();
      }
    });
}
