/**
 * Against a real listening server on an ephemeral 127.0.0.1 port: chunked uploads, an oversized
 * stream cut short, a client that disconnects mid-job, and a graceful close with a job in flight.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { gate, memoryLogger, PLAIN, smallCt } from './helpers.ts';

let model: Model;
beforeAll(async () => {
  model = await loadModel(PLAIN, { threads: 1 });
});
afterAll(() => model.close());

interface Answer {
  status: number;
  body: Buffer;
}

function collect(response: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ status: response.statusCode!, body: Buffer.concat(chunks) })).on('error', reject);
  });
}

/** POST with no content-length: the body goes out chunked, in `parts` pieces a few ms apart. */
function chunkedPost(server: RunningServer, path: string, body: Buffer, parts: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' } }, (res) => collect(res).then(resolve, reject));
    req.on('error', reject);
    const size = Math.ceil(body.length / parts);
    let at = 0;
    const next = () => {
      if (at >= body.length) return void req.end();
      req.write(body.subarray(at, at + size));
      at += size;
      setTimeout(next, 5);
    };
    next();
  });
}

const getJson = async (server: RunningServer, path: string) => (await fetch(`${server.url}${path}`)).json() as Promise<Record<string, unknown>>;

describe('a listening server', () => {
  it('segments a chunked upload and answers the same mask as the library', async () => {
    const server = await startServer({ model, port: 0, host: '127.0.0.1' });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const answer = await chunkedPost(server, '/segment?prompt=spleen', smallCt(), 5);
      expect(answer.status).toBe(200);
      const mask = await readVolume(answer.body);
      const expected = await segmentWithModel(model, await readVolume(smallCt()), 'spleen');
      expect(Array.from(mask.data)).toEqual(Array.from(expected.prompts[0].mask.data));
    } finally {
      await server.close();
    }
  });

  it('answers 413 to an endless stream once it passes the limit, while the client is still sending', async () => {
    const limit = 256 * 1024;
    const server = await startServer({ model, port: 0, host: '127.0.0.1', limits: { maxUploadBytes: limit } });
    try {
      const chunk = Buffer.alloc(64 * 1024);
      let sent = 0;
      const answer = await new Promise<Answer>((resolve, reject) => {
        let answered = false;
        const req = httpRequest(`${server.url}/volumes`, { method: 'POST' }, (res) => {
          answered = true;
          collect(res).then(resolve, reject);
        });
        // The server may close the socket after answering; that is expected here.
        req.on('error', () => undefined);
        const pump = () => {
          // Bounded: 64 MB at most, stopping as soon as the answer arrives.
          while (!answered && sent < 64 * 1024 * 1024) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body.toString()).error.code).toBe('UPLOAD_TOO_LARGE');
      // Kernel socket buffers and the adapter's discard-drain let a few MB through; the server holds none of it.
      expect(sent).toBeLessThan(32 * 1024 * 1024);
      expect((await getJson(server, '/health')).status).toBe('ok');
    } finally {
      await server.close();
    }
  });

  it('answers 408 to an upload that stalls past the deadline', async () => {
    const server = await startServer({ model, port: 0, host: '127.0.0.1', limits: { timeoutMs: 300 } });
    try {
      const answer = await new Promise<Answer>((resolve, reject) => {
        const req = httpRequest(`${server.url}/segment?prompt=liver`, { method: 'POST' }, (res) => collect(res).then(resolve, reject));
        req.on('error', () => undefined);
        // Half the file, then nothing: the body never ends.
        req.write(smallCt().subarray(0, 1000));
      });
      expect(answer.status).toBe(408);
      expect(JSON.parse(answer.body.toString()).error.code).toBe('TIMEOUT');
    } finally {
      await server.close();
    }
  });

  it('cancels the running job when its client disconnects, and stays healthy', async () => {
    const { logger, lines } = memoryLogger();
    // The held job goes on into the engine once cancelled: segmentWithModel must refuse it.
    const held = gate('continue');
    const server = await startServer({ model, port: 0, host: '127.0.0.1', logger, hooks: { beforeSegment: held.hook } });
    try {
      const req = httpRequest(`${server.url}/segment?prompt=liver`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' } });
      req.on('error', () => undefined);
      req.end(smallCt());
      await held.entered(1);
      expect(((await getJson(server, '/health')).queue as { running: number }).running).toBe(1);
      req.destroy();
      for (let i = 0; i < 200 && !lines.some((l) => l.msg === 'request' && l.path === '/segment'); i++) await new Promise((r) => setTimeout(r, 10));
      expect(held.signals[0].aborted).toBe(true);
      expect(lines.find((l) => l.msg === 'request' && l.path === '/segment')).toMatchObject({ status: 499 });
      expect(await getJson(server, '/health')).toMatchObject({ status: 'ok', queue: { running: 0, waiting: 0 } });
      held.open();
      expect((await chunkedPost(server, '/segment?prompt=liver', smallCt(), 1)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('closes gracefully: no new connections, the job in flight still gets its answer', async () => {
    const held = gate();
    const server = await startServer({ model, port: 0, host: '127.0.0.1', hooks: { beforeSegment: held.hook } });
    const pending = fetch(`${server.url}/segment?prompt=liver`, { method: 'POST', body: smallCt() });
    await held.entered(1);
    const closed = server.close();
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    held.open();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
    expect((await readVolume(new Uint8Array(await res.arrayBuffer()))).shape).toEqual([16, 20, 30]);
    await closed;
    expect(server.server.listening).toBe(false);
  });
});
