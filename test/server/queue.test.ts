/**
 * One job at a time behind a bounded FIFO: 429 when full, 499 when the client goes away (queued
 * jobs leave the queue, running ones are aborted), 408 past the deadline. Jobs are held "running"
 * with the beforeSegment test hook.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnisegError } from '../../src/errors.ts';
import { loadModel, type Model } from '../../src/models/package.ts';
import { createApp } from '../../src/server/index.ts';
import { JobQueue } from '../../src/server/queue.ts';
import { errorOf, gate, memoryLogger, PLAIN, smallCt } from './helpers.ts';

let model: Model;
beforeAll(async () => {
  model = await loadModel(PLAIN, { threads: 1 });
});
afterAll(() => model.close());

const post = (signal?: AbortSignal) => ({ method: 'POST', body: smallCt(), signal });
type Health = { queue: { running: number; waiting: number } };
const health = async (app: ReturnType<typeof createApp>) => ((await (await app.request('/health')).json()) as Health).queue;

/** Waits until the queue shows `waiting` jobs (queued requests give no other sign). */
async function untilWaiting(app: ReturnType<typeof createApp>, waiting: number): Promise<void> {
  for (let i = 0; i < 200 && (await health(app)).waiting !== waiting; i++) await new Promise((r) => setTimeout(r, 10));
  expect((await health(app)).waiting).toBe(waiting);
}

describe('the queue over HTTP', () => {
  it('answers 429 when the running job and the queue are full, then serves the others in order', async () => {
    const held = gate();
    const app = createApp(model, { limits: { queue: 1 }, hooks: { beforeSegment: held.hook } });
    const first = app.request('/segment?prompt=liver', post());
    await held.entered(1);
    const second = app.request('/segment?prompt=spleen', post());
    await untilWaiting(app, 1);
    const third = await app.request('/segment?prompt=liver', post());
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).not.toBeNull();
    expect((await errorOf(third)).code).toBe('QUEUE_FULL');
    expect(await health(app)).toMatchObject({ running: 1, waiting: 1 });
    held.open();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect(await health(app)).toMatchObject({ running: 0, waiting: 0 });
  });

  it('answers 499 and frees the slot when the client of the running job goes away; the engine itself refuses the cancelled job', async () => {
    const { logger, lines } = memoryLogger();
    // 'continue': the cancelled job goes on into segmentWithModel, which must throw ABORTED.
    const held = gate('continue');
    const app = createApp(model, { logger, hooks: { beforeSegment: held.hook } });
    const client = new AbortController();
    const pending = app.request('/segment?prompt=liver', post(client.signal));
    await held.entered(1);
    client.abort();
    const res = await pending;
    expect(res.status).toBe(499);
    expect((await errorOf(res)).code).toBe('CLIENT_CLOSED');
    expect(held.signals[0].aborted).toBe(true);
    expect(await health(app)).toMatchObject({ running: 0, waiting: 0 });
    expect(lines.find((l) => l.msg === 'request' && l.path === '/segment')).toMatchObject({ status: 499 });
    held.open();
    expect((await app.request('/segment?prompt=liver', post())).status).toBe(200);
  });

  it('removes a queued job whose client goes away, without touching the running one', async () => {
    const held = gate();
    const app = createApp(model, { limits: { queue: 2 }, hooks: { beforeSegment: held.hook } });
    const running = app.request('/segment?prompt=liver', post());
    await held.entered(1);
    const client = new AbortController();
    const queued = app.request('/segment?prompt=spleen', post(client.signal));
    await untilWaiting(app, 1);
    client.abort();
    expect((await queued).status).toBe(499);
    expect(await health(app)).toMatchObject({ running: 1, waiting: 0 });
    held.open();
    expect((await running).status).toBe(200);
    // The cancelled job never reached the hook.
    expect(held.signals).toHaveLength(1);
  });

  it('answers 408 when a request passes its deadline, whether running or waiting', async () => {
    const held = gate();
    const app = createApp(model, { limits: { timeoutMs: 300, queue: 1 }, hooks: { beforeSegment: held.hook } });
    const [running, waiting] = await Promise.all([app.request('/segment?prompt=liver', post()), app.request('/segment?prompt=spleen', post())]);
    for (const res of [running, waiting]) {
      expect(res.status).toBe(408);
      const error = await errorOf(res);
      expect(error.code).toBe('TIMEOUT');
      expect(error.details.timeoutMs).toBe(300);
    }
    expect(await health(app)).toMatchObject({ running: 0, waiting: 0 });
  });
});

describe('JobQueue', () => {
  const never = new AbortController().signal;

  it('runs one job at a time, first in first out', async () => {
    const queue = new JobQueue(3);
    const order: number[] = [];
    let release!: () => void;
    const blocker = queue.run(() => new Promise<void>((resolve) => (release = resolve)), never);
    const jobs = [1, 2, 3].map((n) => queue.run(async () => void order.push(n), never));
    expect(queue.stats).toEqual({ running: 1, waiting: 3 });
    await new Promise((resolve) => setTimeout(resolve, 0));
    release();
    await Promise.all([blocker, ...jobs]);
    expect(order).toEqual([1, 2, 3]);
    expect(queue.stats).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses beyond its size, and releases the slot when a job fails', async () => {
    const queue = new JobQueue(0);
    let release!: () => void;
    const blocker = queue.run(() => new Promise<void>((_, reject) => (release = () => reject(new Error('failed')))), never);
    await expect(queue.run(async () => 1, never)).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    release();
    await expect(blocker).rejects.toThrow('failed');
    expect(await queue.run(async () => 2, never)).toBe(2);
  });

  it('never starts a job whose signal fired while it waited', async () => {
    const queue = new JobQueue(1);
    let release!: () => void;
    const blocker = queue.run(() => new Promise<void>((resolve) => (release = resolve)), never);
    const controller = new AbortController();
    let started = false;
    const waiting = queue.run(async () => void (started = true), controller.signal);
    controller.abort();
    const error = await waiting.catch((e: unknown) => e);
    expect(isUnisegError(error, 'ABORTED')).toBe(true);
    expect(queue.stats).toEqual({ running: 1, waiting: 0 });
    release();
    await blocker;
    expect(started).toBe(false);
  });
});
