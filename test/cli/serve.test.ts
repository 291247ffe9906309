/**
 * `uniseg serve` as a child process: flags reach the server, and SIGTERM during a job lets the
 * job finish and answer, refuses new connections, then exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readVolume, writeVolume } from '../../src/volume/nifti/index.ts';
import { generatePhantom } from '../../src/volume/phantom/index.ts';
import { uniseg } from '../helpers/cli.ts';
import { ROOT, TEST_MODELS } from '../helpers/paths.ts';

let tmp: string;
/** A CT large enough that one job runs for a second or more with one thread (96^3 at the model's 1.5 mm). */
let slowCt: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'uniseg-serve-'));
  slowCt = join(tmp, 'ct.nii.gz');
  await writeVolume(slowCt, generatePhantom({ seed: 3, shape: [96, 96, 96], spacing: [1.5, 1.5, 1.5], orientation: 'RAS' }).ct, { datatype: 'int16' });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Served {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  stderr: () => string;
}

async function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'uniseg.mjs'), 'serve', '--port', '0', '--host', '127.0.0.1', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`uniseg serve exited with ${code} before listening:\n${stderr}`)));
  });
  return { child, url, exited, stderr: () => stderr };
}

describe('uniseg serve', () => {
  it('finishes the job in flight on SIGTERM, refuses new connections, and exits 0', async () => {
    const log = join(tmp, 'server.log');
    const server = await serve(['--model', join(TEST_MODELS, 'plain'), '--threads', '1', '--token', 't0ken', '--log', log]);
    const auth = { authorization: 'Bearer t0ken' };
    try {
      expect((await fetch(`${server.url}/pathways`)).status).toBe(401);
      const job = fetch(`${server.url}/segment?prompt=liver`, { method: 'POST', body: readFileSync(slowCt), headers: auth });
      let running = 0;
      for (let i = 0; i < 500 && running === 0; i++) {
        running = ((await (await fetch(`${server.url}/health`)).json()) as { queue: { running: number } }).queue.running;
        if (running === 0) await new Promise((r) => setTimeout(r, 10));
      }
      expect(running).toBe(1);
      server.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 100));
      await expect(fetch(`${server.url}/health`)).rejects.toThrow();

      const res = await job;
      expect(res.status).toBe(200);
      const mask = await readVolume(new Uint8Array(await res.arrayBuffer()));
      expect(mask.shape).toEqual([96, 96, 96]);
      expect(await server.exited).toBe(0);
      expect(server.stderr()).toMatch(/SIGTERM: finishing requests in progress/);

      const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.find((l) => l.event === 'prompt resolved')).toMatchObject({ prompt: 'liver', task: 'liver', route: 'fixed' });
      expect(lines.find((l) => l.event === 'request' && l.path === '/segment')).toMatchObject({ method: 'POST', status: 200, prompts: ['liver'], routes: ['fixed'] });
      expect(lines.some((l) => l.event === 'shutting down')).toBe(true);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('exits 2 on a bad flag before loading anything', () => {
    const run = uniseg(['serve', '--port', '70000']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--port.*70000/);
    const queue = uniseg(['serve', '--queue', '-1']);
    expect(queue.status).toBe(2);
  });
});
