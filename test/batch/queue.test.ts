/**
 * The distributed batch on a real redis-server with real `uniseg worker` processes (never a mocked
 * queue): two workers drain a batch with two broken files, each case processed once; a worker on
 * another package refuses the jobs; enqueuing twice adds nothing; a worker killed with SIGKILL
 * mid-job has its job finished by another; SIGTERM lets a job finish and exits 0; Redis killed
 * and restarted empty mid-batch, the workers reconnect and the batch completes.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageSha256 } from '../../src/batch/hash.ts';
import { listCases } from '../../src/batch/inputs.ts';
import { runQueueBatch, type QueueBatchOptions } from '../../src/batch/producer.ts';
import { connectionFromUrl, queueName } from '../../src/batch/queue.ts';
import { readManifest } from '../../src/models/package.ts';
import { PLAIN_PACKAGE, PLAIN_PROMPTS, readLedger, spawnWorker, writeBroken, writeCases, type WorkerProcess } from '../helpers/batch.ts';
import { uniseg } from '../helpers/cli.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';

const root = mkdtempSync(join(tmpdir(), 'uniseg-batch-queue-'));
/** The plain package with another description: same name, another SHA-256, so another queue. */
const other = join(root, 'other-package');
let redis: TestRedis;
const workers: WorkerProcess[] = [];

async function packageOf(dir: string) {
  const manifest = await readManifest(dir);
  return { packageName: manifest.name, packageSha256: await packageSha256(dir, manifest) };
}

async function batchOptions(input: string, outputDir: string, model = PLAIN_PACKAGE): Promise<QueueBatchOptions> {
  return { cases: await listCases([input], PLAIN_PROMPTS, { outputDir }), url: redis.url, outputDir, pollMs: 100, ...(await packageOf(model)) };
}

function worker(name: string, options: { model?: string; stallSeconds?: number } = {}): WorkerProcess {
  const w = spawnWorker(redis.url, join(root, `${name}.log`), options);
  workers.push(w);
  return w;
}

const started = (w: WorkerProcess) => w.lines().filter((l) => l.event === 'job started');

function expectCompleteFolders(outputDir: string, ids: string[]): void {
  expect(existsSync(join(outputDir, '.uniseg-tmp'))).toBe(false);
  for (const id of ids) expect(readdirSync(join(outputDir, id)).sort()).toEqual(['case.json', 'liver.nii.gz', 'selection.jsonl', 'spleen.nii.gz', 'statistics.json']);
}

beforeAll(async () => {
  redis = await startRedis();
  cpSync(PLAIN_PACKAGE, other, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(other, 'model.json'), 'utf8'));
  writeFileSync(join(other, 'model.json'), JSON.stringify({ ...manifest, description: `${manifest.description} (another build)` }, null, 2));
});
afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await redis?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('uniseg batch --queue with uniseg worker processes', () => {
  let w1: WorkerProcess;
  let w2: WorkerProcess;
  let w3: WorkerProcess;

  it('two workers drain 8 cases, 2 broken: 6 done, 2 failed with codes, each case once; another package is refused', { timeout: 180_000 }, async () => {
    const input = join(root, 'drain-in');
    const outputDir = join(root, 'drain-out');
    await writeCases(input, 6);
    writeBroken(input);
    const options = await batchOptions(input, outputDir);

    // Enqueued twice before any worker runs: the second adds no job.
    const first = await runQueueBatch({ ...options, wait: false });
    const second = await runQueueBatch({ ...options, wait: false });
    expect([first.enqueued, first.queued, second.enqueued, second.queued]).toEqual([8, 8, 0, 8]);
    const queue = new Queue(queueName(options.packageName, options.packageSha256), { connection: connectionFromUrl(redis.url) });
    expect(await queue.getJobCounts('waiting', 'active', 'completed', 'failed')).toMatchObject({ waiting: 8, active: 0, completed: 0, failed: 0 });
    await queue.close();

    // The default stall timeout (30 s): a short one could hand a job of a worker slowed down by a
    // busy machine to the other, and "each case once" is what this test checks.
    // A worker of the other build, started while the 8 jobs wait: it refuses them.
    w3 = worker('w3', { model: other });
    const refusal = await w3.waitFor((l) => String(l.event).startsWith('refusing jobs'));
    expect(refusal).toMatchObject({ queue: first.queue, waiting: 8 });
    w1 = worker('w1');
    w2 = worker('w2');
    const summary = await runQueueBatch(options);
    expect(summary).toMatchObject({ mode: 'queue', total: 8, done: 6, failed: 2, enqueued: 0, queued: 0 });

    const ledger = readLedger(outputDir).filter((e) => e.status !== 'skipped');
    expect(ledger.filter((e) => e.status === 'done')).toHaveLength(6);
    expect(ledger.filter((e) => e.status === 'failed').map((e) => `${e.id} ${e.code} ${e.attempts}`).sort()).toEqual(['broken1 NIFTI_NOT_NIFTI 1', 'broken2 NIFTI_NOT_NIFTI 1']);
    const ran = [...started(w1), ...started(w2)].map((l) => l.case).sort();
    expect(ran).toEqual(['broken1', 'broken2', 'case0', 'case1', 'case2', 'case3', 'case4', 'case5']);
    expectCompleteFolders(outputDir, ['case0', 'case1', 'case2', 'case3', 'case4', 'case5']);

    expect(started(w3)).toEqual([]);

    const status = uniseg(['batch', '--status', '--queue', redis.url, '--json']);
    expect(status.status, status.stderr).toBe(0);
    const mine = JSON.parse(status.stdout).find((q: { name: string }) => q.name === summary.queue);
    expect(mine).toMatchObject({ waiting: 0, active: 0, done: 6, failed: 2 });
    const names = [w1, w2].map((w) => w.lines().find((l) => l.event === 'worker ready')!.worker);
    expect(mine.workers.filter((w: { name: string }) => names.includes(w.name)).reduce((n: number, w: { done: number }) => n + w.done, 0)).toBe(6);
  });

  it('a job of a worker killed with SIGKILL is finished by another; SIGTERM finishes the running job and exits 0', { timeout: 180_000 }, async () => {
    const input = join(root, 'kill-in');
    const outputDir = join(root, 'kill-out');
    // 56x56x44 is 48 windows of the plain package: each slow case runs long enough to be interrupted.
    await writeCases(input, 2, { shape: [56, 56, 44], prefix: 'slow' });
    await writeCases(input, 2, { prefix: 'tiny' });
    const options = await batchOptions(input, outputDir, other);
    // The victim's lock lasts 2 s, the rescuer looks for stalled jobs every 3 s.
    const victim = worker('victim', { model: other, stallSeconds: 2 });
    await victim.waitFor((l) => l.event === 'worker ready');
    const batch = runQueueBatch(options);

    const killedJob = await victim.waitFor((l) => l.event === 'job started');
    victim.child.kill('SIGKILL');
    await victim.exited;
    // w3 (same package) takes the next job; SIGTERM while it runs: it finishes that job, then exits 0.
    const running = await w3.waitFor((l) => l.event === 'job started' && l.case !== killedJob.case);
    w3.child.kill('SIGTERM');
    expect(await w3.exited).toBe(0);
    const log = w3.lines();
    const stop = log.findIndex((l) => l.event === 'shutting down');
    expect(log.findIndex((l) => l.event === 'job done' && l.job === running.job)).toBeGreaterThan(stop);
    expect(log.slice(stop).filter((l) => l.event === 'job started')).toEqual([]);

    const rescuer = worker('rescuer', { model: other, stallSeconds: 3 });
    const summary = await batch;
    expect(summary).toMatchObject({ done: 4, failed: 0 });
    expect(rescuer.lines().filter((l) => l.event === 'job done').map((l) => l.case)).toContain(killedJob.case);
    const entry = readLedger(outputDir).find((e) => e.id === killedJob.case);
    expect(entry).toMatchObject({ status: 'done', worker: rescuer.lines().find((l) => l.event === 'worker ready')!.worker });
    expectCompleteFolders(outputDir, ['slow0', 'slow1', 'tiny0', 'tiny1']);
    rescuer.child.kill('SIGTERM');
    expect(await rescuer.exited).toBe(0);
  });

  it('Redis killed and restarted empty mid-batch: workers reconnect, lost jobs are queued again, the batch completes', { timeout: 180_000 }, async () => {
    const input = join(root, 'restart-in');
    const outputDir = join(root, 'restart-out');
    await writeCases(input, 6, { shape: [40, 40, 32], prefix: 'r' });
    const notices: string[] = [];
    const batch = runQueueBatch({ ...(await batchOptions(input, outputDir)), onNotice: (m) => notices.push(m) });
    await w1.waitFor((l) => l.event === 'job done' && String(l.case).startsWith('r'));
    await redis.kill();
    await new Promise((r) => setTimeout(r, 500));
    await redis.start();

    const summary = await batch;
    expect(summary).toMatchObject({ done: 6, failed: 0 });
    expect(notices.some((n) => n.includes('adding it again'))).toBe(true);
    expectCompleteFolders(outputDir, ['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    for (const w of [w1, w2]) {
      expect(w.lines().some((l) => l.event === 'redis reconnected'), JSON.stringify(w.lines().filter((l) => !String(l.event).startsWith('job')))).toBe(true);
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);
    }
  });
});
