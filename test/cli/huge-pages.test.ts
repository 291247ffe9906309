/**
 * bin/huge-pages.mjs: network-running commands start node again with glibc's malloc.hugetlb
 * tunable where the kernel hands out transparent huge pages on request. The relaunch must not change
 * a byte of output, must pass signals on, and must not outlive its parent.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineTunables, runsNetworks, transparentHugePages, TUNABLE } from '../../bin/huge-pages.mjs';
import { uniseg } from '../helpers/cli.ts';
import { FIXTURES, ROOT, TEST_MODELS } from '../helpers/paths.ts';

const ct = join(FIXTURES, 'engine', 'odd', 'ct.nii.gz');
const thp = transparentHugePages();
const glibc = Boolean((process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime);
/** Whether this machine relaunches (and so whether segment reports huge pages). */
const relaunches = process.platform === 'linux' && glibc && thp === 'madvise';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'uniseg-huge-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('which processes get huge pages', () => {
  const base = { env: {}, platform: 'linux', glibc: true, thp: 'madvise' };

  it('relaunches network-running commands on glibc with THP on request, keeping other tunables', () => {
    expect(runsNetworks(['segment', 'ct.nii.gz', '-p', 'liver'])).toBe(true);
    expect(runsNetworks(['--threads', 'serve'])).toBe(true);
    expect(machineTunables(base)).toBe(TUNABLE);
    expect(machineTunables({ ...base, env: { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' } })).toBe(`glibc.malloc.arena_max=2:${TUNABLE}`);
  });

  it('runs in this process otherwise', () => {
    for (const argv of [['--help'], ['info', 'ct.nii.gz'], ['batch', 'in', '-o', 'out'], ['worker'], []]) expect(runsNetworks(argv), argv.join(' ')).toBe(false);
    expect(machineTunables({ ...base, thp: 'always' })).toBeNull();
    expect(machineTunables({ ...base, thp: 'never' })).toBeNull();
    expect(machineTunables({ ...base, thp: 'unknown' })).toBeNull();
    expect(machineTunables({ ...base, glibc: false })).toBeNull();
    expect(machineTunables({ ...base, platform: 'darwin' })).toBeNull();
    expect(machineTunables({ ...base, env: { UNISEG_HUGE_PAGES: '0' } })).toBeNull();
    expect(machineTunables({ ...base, env: { UNISEG_RELAUNCHED: '1' } })).toBeNull();
    expect(machineTunables({ ...base, env: { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' } })).toBeNull();
  });
});

describe(`uniseg with huge pages (this machine: THP ${thp}, ${glibc ? 'glibc' : 'no glibc'})`, () => {
  it('writes the same bytes with and without them, and says which it ran with', () => {
    const run = (name: string, env: Record<string, string>) => {
      const out = join(tmp, `${name}.nii.gz`);
      const r = uniseg(['segment', ct, '-p', 'liver', '--model', join(TEST_MODELS, 'plain'), '-o', out, '--json', '--threads', '1'], { env });
      expect(r.status, r.stderr).toBe(0);
      return { report: JSON.parse(r.stdout) as { runtime: { hugePages: boolean; transparentHugePages: string } }, bytes: readFileSync(out) };
    };
    // As started from a shell without the tunable (the test run itself may have it set).
    const on = run('on', { GLIBC_TUNABLES: '' });
    const off = run('off', { GLIBC_TUNABLES: '', UNISEG_HUGE_PAGES: '0' });
    expect(on.bytes.equals(off.bytes)).toBe(true);
    expect(on.report.runtime).toEqual({ hugePages: relaunches || thp === 'always', transparentHugePages: thp });
    expect(off.report.runtime).toEqual({ hugePages: thp === 'always', transparentHugePages: thp });
  });

  it('passes SIGINT on to a relaunched server, which drains and exits 0; a SIGKILLed parent takes its child along', { timeout: 60_000 }, async () => {
    const start = async () => {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'uniseg.mjs'), 'serve', '--port', '0', '--host', '127.0.0.1', '--model', join(TEST_MODELS, 'plain'), '--threads', '1'], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, GLIBC_TUNABLES: '' },
      });
      let stderr = '';
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
          if (match) resolve(match[1]);
        });
        void exited.then(({ code }) => reject(new Error(`uniseg serve exited with ${code}:\n${stderr}`)));
      });
      return { child, url, exited, stderr: () => stderr, children: childrenOf(child.pid!) };
    };

    const drained = await start();
    expect(drained.children).toHaveLength(relaunches ? 1 : 0);
    drained.child.kill('SIGINT');
    expect(await drained.exited).toEqual({ code: 0, signal: null });
    expect(drained.stderr()).toMatch(/SIGINT: finishing requests in progress/);

    const killed = await start();
    killed.child.kill('SIGKILL');
    expect((await killed.exited).signal).toBe('SIGKILL');
    for (const pid of killed.children) {
      let alive = true;
      for (let i = 0; i < 100 && alive; i++) {
        await new Promise((r) => setTimeout(r, 50));
        alive = isAlive(pid);
      }
      expect(alive, `relaunched child ${pid} outlived its parent`).toBe(false);
    }
    await expect(fetch(`${killed.url}/health`)).rejects.toThrow();
  });
});

/**
 * Runs `uniseg serve` in a pseudo-terminal (Python's pty: node has none), types Ctrl-C once it
 * listens, and prints its output and exit code: the terminal's SIGINT reaches parent and child.
 */
const CTRL_C = String.raw`
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out, typed, end = b'', False, time.time() + 30
while time.time() < end:
    if select.select([fd], [], [], 0.2)[0]:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    if b'listening on' in out and not typed:
        os.write(fd, b'\x03')
        typed = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace') + '\nEXIT %d\n' % os.waitstatus_to_exitcode(status))
`;

describe('the SDK in a process started without huge pages', () => {
  it('warns once, with the variable to set, where they would help; not with it set', { timeout: 60_000 }, () => {
    const script = `
      import { loadModel, segment } from ${JSON.stringify(join(ROOT, 'src', 'index.ts'))};
      const model = await loadModel(${JSON.stringify(join(TEST_MODELS, 'plain'))}, { threads: 1 });
      for (let i = 0; i < 2; i++) await segment(${JSON.stringify(ct)}, ['liver'], { model });
      await model.close();`;
    const run = (tunables: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, GLIBC_TUNABLES: tunables } });
    const without = run('');
    expect(without.status, without.stderr).toBe(0);
    const warnings = without.stderr.match(/UnisegPerformanceWarning: .*/g) ?? [];
    expect(warnings).toHaveLength(relaunches ? 1 : 0);
    if (relaunches) expect(warnings[0]).toContain(`GLIBC_TUNABLES=${TUNABLE}`);
    const withIt = run(TUNABLE);
    expect(withIt.status, withIt.stderr).toBe(0);
    expect(withIt.stderr).not.toMatch(/UnisegPerformanceWarning/);
  });
});

describe('Ctrl-C in a terminal', () => {
  it('stops a relaunched server once: it drains and exits 0', { timeout: 60_000 }, () => {
    const run = spawnSync('/usr/bin/python3', ['-c', CTRL_C, process.execPath, join(ROOT, 'bin', 'uniseg.mjs'), 'serve', '--port', '0', '--host', '127.0.0.1', '--model', join(TEST_MODELS, 'plain'), '--threads', '1'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, GLIBC_TUNABLES: '' },
      timeout: 50_000,
    });
    expect(run.stdout, run.stderr).toMatch(/SIGINT: finishing requests in progress/);
    expect(run.stdout).toMatch(/uniseg serve: stopped/);
    expect(run.stdout.trim().split('\n').pop()).toBe('EXIT 0');
  });
});

/** PIDs whose parent is `pid` (from /proc; empty where there is none). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** Whether `pid` still runs (a zombie waiting to be reaped has ended). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
