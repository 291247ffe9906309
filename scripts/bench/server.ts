/**
 * `npm run bench -- server`: load on a real `uniseg serve` child process. N concurrent clients
 * each send M requests, valid segmentations mixed with bad bodies and queries; the table shows
 * requests/s, p50/p95 latency, status counts and the server's peak RSS (VmHWM of the child).
 * It fails (exit 1) on any 5xx, a dropped connection, a valid request answered other than 200 or
 * 429, or a server that does not exit 0 on SIGTERM afterwards. Bounded: stops by itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_MODEL = join(ROOT, 'test', 'fixtures', 'models', 'plain');
const DEFAULT_CT = join(ROOT, 'test', 'fixtures', 'engine', 'small', 'ct.nii.gz');
/** The whole bench, start-up included, must end within this. */
const DEADLINE_MS = 300_000;
const MB = 1024 * 1024;

const HELP = `usage: npm run bench -- server [options]

  --model DIR      model package (default: ${relative(ROOT, DEFAULT_MODEL)})
  --ct FILE        CT sent by valid requests (default: ${relative(ROOT, DEFAULT_CT)})
  --prompt TEXT    prompt of valid requests (default: liver)
  --clients N      concurrent clients (default: 8)
  --requests N     requests per client (default: 5)
  --queue N        server --queue (default: 4)
  --threads N      server ONNX Runtime threads (default: 1)`;

interface Case {
  readonly name: string;
  readonly valid: boolean;
  readonly path: string;
  readonly body: Uint8Array;
  readonly type?: string;
}

interface Outcome {
  readonly name: string;
  readonly valid: boolean;
  readonly status: number | 'error';
  readonly ms: number;
}

function cases(ct: Uint8Array, prompt: string): Case[] {
  const q = encodeURIComponent(prompt);
  const notNifti = new TextEncoder().encode('this is not a NIfTI file '.repeat(40));
  return [
    { name: 'mask', valid: true, path: `/segment?prompt=${q}`, body: ct },
    { name: 'json', valid: true, path: `/segment?prompt=${q}&format=json`, body: ct },
    { name: 'not NIfTI (415)', valid: false, path: `/segment?prompt=${q}`, body: notNifti },
    { name: 'wrong type (415)', valid: false, path: `/segment?prompt=${q}`, body: ct, type: 'application/json' },
    { name: 'truncated (400)', valid: false, path: `/segment?prompt=${q}`, body: ct.subarray(0, Math.floor(ct.length / 2)) },
    { name: 'no prompt (400)', valid: false, path: '/segment', body: ct },
    { name: 'unknown prompt (404)', valid: false, path: '/segment?prompt=no%20such%20organ', body: ct },
  ];
}

/** The mix: client c's r-th request. Valid ones are about half, spread over every client. */
function pick(all: Case[], c: number, r: number): Case {
  const i = (c * 7 + r * 3) % (all.length + 3);
  return i < all.length ? all[i] : all[i % 2];
}

async function send(url: string, item: Case): Promise<Outcome> {
  const started = performance.now();
  try {
    const res = await fetch(`${url}${item.path}`, {
      method: 'POST',
      body: item.body,
      headers: { 'content-type': item.type ?? 'application/octet-stream' },
      signal: AbortSignal.timeout(120_000),
    });
    await res.arrayBuffer();
    return { name: item.name, valid: item.valid, status: res.status, ms: performance.now() - started };
  } catch {
    return { name: item.name, valid: item.valid, status: 'error', ms: performance.now() - started };
  }
}

function startChild(args: string[]): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'uniseg.mjs'), 'serve', '--host', '127.0.0.1', '--port', '0', '--no-log', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+?) /.exec(stderr);
      if (match) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`uniseg serve exited with ${code} before listening:\n${stderr}`)));
  });
  return url.then((u) => ({ child, url: u, exited }));
}

/** Peak resident memory of a process, bytes (Linux /proc; undefined elsewhere). */
function peakRss(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string', default: DEFAULT_MODEL },
      ct: { type: 'string', default: DEFAULT_CT },
      prompt: { type: 'string', default: 'liver' },
      clients: { type: 'string', default: '8' },
      requests: { type: 'string', default: '5' },
      queue: { type: 'string', default: '4' },
      threads: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const clients = Number(values.clients);
  const requests = Number(values.requests);
  if (![clients, requests].every((n) => Number.isInteger(n) && n > 0 && n <= 1000)) {
    process.stderr.write(`bench server: --clients and --requests must be integers from 1 to 1000\n${HELP}\n`);
    process.exitCode = 2;
    return;
  }
  const all = cases(readFileSync(values.ct), values.prompt);

  const deadline = setTimeout(() => {
    process.stderr.write(`bench server: still running after ${DEADLINE_MS / 1000} s; giving up\n`);
    process.exit(1);
  }, DEADLINE_MS);
  deadline.unref();

  process.stderr.write(`starting uniseg serve (${relative(ROOT, values.model) || values.model}) ...\n`);
  const { child, url, exited } = await startChild(['--model', values.model, '--queue', values.queue, '--threads', values.threads]);
  let exitCode: number | null = null;
  let outcomes: Outcome[] = [];
  let seconds = 0;
  let rss: number | undefined;
  try {
    // One warm-up request so the first measured one does not pay for session creation.
    await send(url, all[0]);
    const started = performance.now();
    const perClient = await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        const mine: Outcome[] = [];
        for (let r = 0; r < requests; r++) mine.push(await send(url, pick(all, c, r)));
        return mine;
      }),
    );
    seconds = (performance.now() - started) / 1000;
    outcomes = perClient.flat();
    rss = peakRss(child.pid!);
  } finally {
    child.kill('SIGTERM');
    exitCode = await exited;
  }

  const latencies = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(String(o.status), (counts.get(String(o.status)) ?? 0) + 1);
  const byCase = new Map<string, string[]>();
  for (const o of outcomes) byCase.set(o.name, [...(byCase.get(o.name) ?? []), String(o.status)]);

  const lines = [
    `server bench: ${clients} clients x ${requests} requests against ${url} (${relative(ROOT, values.ct)}, prompt "${values.prompt}")`,
    '',
    `  requests/s        ${(outcomes.length / seconds).toFixed(1)} (${outcomes.length} in ${seconds.toFixed(2)} s)`,
    `  latency p50       ${percentile(latencies, 50).toFixed(0)} ms`,
    `  latency p95       ${percentile(latencies, 95).toFixed(0)} ms`,
    `  statuses          ${[...counts].sort().map(([s, n]) => `${s}: ${n}`).join(', ')}`,
    `  server peak RSS   ${rss === undefined ? 'n/a (no /proc)' : `${(rss / MB).toFixed(0)} MB`}`,
    `  exit on SIGTERM   ${exitCode}`,
    '',
    '  case                      statuses',
    ...[...byCase].map(([name, statuses]) => `  ${name.padEnd(24)}  ${[...new Set(statuses)].map((s) => `${s} x${statuses.filter((x) => x === s).length}`).join(', ')}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  const failures = [
    ...outcomes.filter((o) => o.status === 'error').map((o) => `${o.name}: connection failed`),
    ...outcomes.filter((o) => typeof o.status === 'number' && o.status >= 500).map((o) => `${o.name}: ${o.status}`),
    ...outcomes.filter((o) => o.valid && o.status !== 200 && o.status !== 429).map((o) => `${o.name} (valid): ${o.status}`),
    ...(exitCode === 0 ? [] : [`server exited with ${exitCode} on SIGTERM`]),
  ];
  if (failures.length > 0) {
    process.stderr.write(`FAILED:\n${[...new Set(failures)].map((f) => `  ${f}`).join('\n')}\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write('ok: no 5xx, no dropped connections, every valid request answered 200 or 429, clean exit\n');
  }
}
