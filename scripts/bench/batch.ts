/**
 * `npm run bench -- batch`: cases per minute of `uniseg batch` on the demo package, on this machine
 * with 1 and 2 cases in flight (one process, one model), and through a real Redis queue with 1 and
 * 2 `uniseg worker` processes. Overhead per job is a run's wall time minus the time spent inside
 * the cases (the ledger's seconds), over the cases: for the queue with one worker it is the
 * queue's round trip (enqueue, pick-up, acknowledgement, the producer's polling), for the local
 * run with one case in flight the loop's own; both come from one run each, so a machine whose load
 * changes between runs does not skew them. Model loads and worker start-ups are outside the
 * timings (workers are ready before the batch is queued).
 *
 * The Redis and worker helpers are the tests' own (test/helpers), so both start them the same way.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageSha256 } from '../../src/batch/hash.ts';
import { listCases } from '../../src/batch/inputs.ts';
import { runLocalBatch } from '../../src/batch/local.ts';
import { runQueueBatch } from '../../src/batch/producer.ts';
import { DEFAULT_MODEL_DIR } from '../../src/models/default-model.ts';
import { loadModel } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { generatePhantom } from '../../src/volume/phantom/index.ts';
import { writeVolume } from '../../src/volume/nifti/index.ts';
import { spawnWorker } from '../../test/helpers/batch.ts';
import { startRedis } from '../../test/helpers/redis.ts';

const HELP = `usage: npm run bench -- batch [--model DIR] [--cases N] [--prompt P ...]

  --model DIR   package (default ${DEFAULT_MODEL_DIR})
  --cases N     phantoms, 64x64x64 at 3 mm (one 64³ window of the demo) (default 8)
  --prompt P    prompts per case (default: liver, spleen)`;

interface Row {
  readonly setup: string;
  readonly seconds: number;
  /** Wall time not spent inside a case, per case. */
  readonly overheadMs: number;
}

/** Seconds spent inside the cases of a finished run, from its ledger. */
function caseSeconds(ledger: string): number {
  return readFileSync(ledger, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { status: string; seconds?: number })
    .filter((e) => e.status === 'done')
    .reduce((sum, e) => sum + (e.seconds ?? 0), 0);
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { model: { type: 'string' }, cases: { type: 'string' }, prompt: { type: 'string', multiple: true }, help: { type: 'boolean' } } });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  const dir = values.model ?? DEFAULT_MODEL_DIR;
  const count = Number(values.cases ?? 8);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--cases must be a whole number >= 1 (got ${values.cases})`);
  const prompts = values.prompt ?? ['liver', 'spleen'];
  const cores = availableParallelism();
  const half = Math.max(1, Math.floor(cores / 2));

  const root = mkdtempSync(join(tmpdir(), 'uniseg-bench-batch-'));
  const redis = await startRedis();
  const rows: Row[] = [];
  try {
    const input = join(root, 'in');
    mkdirSync(input);
    for (let i = 0; i < count; i++) await writeVolume(join(input, `case${i}.nii.gz`), generatePhantom({ seed: 71000 + i, shape: [64, 64, 64], spacing: [3, 3, 3] }).ct);
    const cases = (out: string) => listCases([input], prompts, { outputDir: out });
    process.stdout.write(`batch bench: ${dir}, ${count} cases of 64x64x64 at 3 mm, prompts ${prompts.join(', ')}, ${cores} cores, Redis ${redis.url}\n`);
    /** `inFlight` > 1: cases overlap, so time outside them is not defined. */
    const add = (setup: string, summary: { seconds: number; ledger: string }, inFlight: number) => {
      const overheadMs = ((summary.seconds - caseSeconds(summary.ledger)) * 1000) / count;
      rows.push({ setup, seconds: summary.seconds, overheadMs });
      const perMinute = (60 * count) / summary.seconds;
      const outside = inFlight === 1 ? `  ${overheadMs.toFixed(0).padStart(6)} ms/case outside the cases` : '';
      process.stdout.write(`${setup.padEnd(44)} ${summary.seconds.toFixed(1).padStart(7)} s  ${perMinute.toFixed(1).padStart(6)} cases/min${outside}\n`);
    };

    for (const concurrency of [1, 2]) {
      const threads = concurrency === 1 ? cores : half;
      const model = await loadModel(dir, { threads });
      try {
        // Warm-up: every session created once, outside the timing.
        await segmentWithModel(model, generatePhantom({ seed: 1, shape: [64, 64, 64], spacing: [3, 3, 3] }).ct, prompts);
        const out = join(root, `local${concurrency}`);
        const summary = await runLocalBatch({ cases: await cases(out), model, packageSha256: await packageSha256(model.dir, model.manifest), outputDir: out, concurrency });
        add(`local, ${concurrency} in flight (${threads} threads each)`, summary, concurrency);
      } finally {
        await model.close();
      }
    }

    const model = await loadModel(dir);
    const identity = { packageName: model.manifest.name, packageSha256: await packageSha256(model.dir, model.manifest) };
    await model.close();
    for (const n of [1, 2]) {
      const workers = Array.from({ length: n }, (_, i) => spawnWorker(redis.url, join(root, `worker${n}.${i}.log`), { model: dir, threads: n === 1 ? cores : half }));
      try {
        await Promise.all(workers.map((w) => w.waitFor((l) => l.event === 'worker ready', 300_000)));
        // Warm-up job per worker, so session creation is outside the timing like the local runs'.
        const warm = join(root, `warm${n}`);
        await runQueueBatch({ cases: (await cases(warm)).slice(0, n), url: redis.url, outputDir: warm, pollMs: 50, ...identity });
        const out = join(root, `queue${n}`);
        const summary = await runQueueBatch({ cases: await cases(out), url: redis.url, outputDir: out, pollMs: 50, ...identity });
        add(`queue, ${n} worker process${n > 1 ? 'es' : ''} (${n === 1 ? cores : half} threads each)`, summary, n);
      } finally {
        for (const w of workers) w.child.kill('SIGTERM');
        await Promise.all(workers.map((w) => w.exited));
      }
    }
    process.stdout.write(`\nqueue overhead per job: ${(rows[2].overheadMs - rows[0].overheadMs).toFixed(0)} ms (outside the cases: ${rows[2].overheadMs.toFixed(0)} ms with 1 worker, ${rows[0].overheadMs.toFixed(0)} ms in one process)\n`);
  } finally {
    await redis.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
