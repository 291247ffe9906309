// Transparent huge pages for the commands that run networks.
//
// ONNX Runtime runs uniseg's parts without its CPU memory arena (an arena per part session kept
// each part's peak reserved; see src/models/parts.ts), so every large intermediate tensor is a
// fresh glibc mmap, faulted in 4 KiB at a time and unmapped after the run. On a SwinUNETR encoder
// window of 64^3 that page faulting was 85 % of the run (0.86 s; 0.12 s without it). glibc's
// `glibc.malloc.hugetlb=1` tunable makes malloc ask the kernel for transparent huge pages
// (madvise), which removes that cost with the same numbers and about the same peak RSS. Tunables
// are read when a process starts, and Node 20 cannot re-exec itself, so a network-running command
// starts node once more with the tunable set and stands in for it: same stdio, signals passed on,
// same exit code or signal, and the child dies with it if it is killed outright.
// `UNISEG_HUGE_PAGES=0` turns this off.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isatty } from 'node:tty';

/** Commands that run ONNX parts in this process and are relaunched with huge pages. */
export const HUGE_PAGE_COMMANDS = ['segment', 'demo', 'serve', 'verify'];

export const TUNABLE = 'glibc.malloc.hugetlb=1';
export const RELAUNCHED = 'UNISEG_RELAUNCHED';

/** The kernel's transparent huge page mode ("always", "madvise", "never"), or "unknown". */
export function transparentHugePages() {
  try {
    const text = readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8');
    return /\[(\w+)\]/.exec(text)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Whether a process started with `env` got huge pages (the tunable with "madvise", or "always"). */
export function hugePagesOn(env, thp = transparentHugePages()) {
  const tunable = /(^|:)glibc\.malloc\.hugetlb=1($|:)/.test(env.GLIBC_TUNABLES ?? '');
  return thp === 'always' || (thp === 'madvise' && tunable);
}

/**
 * The GLIBC_TUNABLES value that turns huge pages on for a process started with `env`, or null
 * where it would change nothing: only on glibc, when the kernel gives huge pages on request
 * (madvise; "always" already gives them), when the tunable is not set yet and UNISEG_HUGE_PAGES is
 * not "0".
 */
export function machineTunables({ env, platform, glibc, thp }) {
  if (platform !== 'linux' || !glibc || thp !== 'madvise') return null;
  if (env.UNISEG_HUGE_PAGES === '0' || env[RELAUNCHED] === '1') return null;
  const tunables = env.GLIBC_TUNABLES ?? '';
  if (tunables.includes('glibc.malloc.hugetlb')) return null;
  return tunables === '' ? TUNABLE : `${tunables}:${TUNABLE}`;
}

/** Whether a CLI argv runs one of HUGE_PAGE_COMMANDS (its first word that is not an option). */
export function runsNetworks(argv) {
  return HUGE_PAGE_COMMANDS.includes(argv.find((a) => !a.startsWith('-')));
}

/** This machine, as machineTunables reads it. */
function thisMachine(env) {
  return { env, platform: process.platform, glibc: Boolean(process.report?.getReport().header.glibcVersionRuntime), thp: transparentHugePages() };
}

/** `env` with huge pages turned on where this machine supports them, for a child process (benches start theirs so). */
export function hugePageEnv(env = process.env) {
  const tunables = machineTunables(thisMachine(env));
  return tunables === null ? { ...env } : { ...env, GLIBC_TUNABLES: tunables };
}

let warned = false;

/**
 * Once per process, where huge pages would help but are off (a program that imports the SDK, or
 * `uniseg batch` / `uniseg worker`, started without the tunable): a warning that says how to
 * turn them on. Nothing where they are on, cannot help, or UNISEG_HUGE_PAGES=0.
 */
export function warnWithoutHugePages() {
  if (warned) return;
  warned = true;
  if (machineTunables(thisMachine(process.env)) === null) return;
  process.emitWarning(
    `ONNX Runtime runs 3-4x slower here without transparent huge pages: start node with GLIBC_TUNABLES=${TUNABLE} (or set UNISEG_HUGE_PAGES=0 to silence this)`,
    { type: 'UnisegPerformanceWarning', code: 'UNISEG_NO_HUGE_PAGES' },
  );
}

/**
 * Relaunches this CLI with huge pages for a command that runs networks, where machineTunables
 * says so, and returns true (the caller then does nothing more: this process exits as the child
 * does); returns false otherwise.
 */
export function relaunchWithHugePages() {
  if (process.env[RELAUNCHED] === '1') {
    dieWithParent();
    return false;
  }
  // The command first: reading the machine (process.report) is not worth it for `--help`.
  if (!runsNetworks(process.argv.slice(2))) return false;
  const tunables = machineTunables(thisMachine(process.env));
  if (tunables === null) return false;

  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, GLIBC_TUNABLES: tunables, [RELAUNCHED]: '1' },
  });
  // Ctrl-C in a terminal reaches the whole foreground process group, the child included; passing
  // SIGINT on as well would be a second signal (which makes `serve` stop without draining). Away
  // from a terminal a SIGINT was sent to this process only, so it is passed on.
  const terminal = [0, 1, 2].some((fd) => isatty(fd));
  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT']) {
    process.on(signal, () => {
      if (signal === 'SIGINT' && terminal) return;
      child.kill(signal);
    });
  }
  child.on('error', (error) => {
    process.stderr.write(`uniseg: could not start node again with ${TUNABLE} (${error.message}); set UNISEG_HUGE_PAGES=0 to run without\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      for (const s of ['SIGTERM', 'SIGHUP', 'SIGINT']) process.removeAllListeners(s);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
  return true;
}

/** In the relaunched child: the IPC channel closes when the parent dies (even by SIGKILL); die too. */
function dieWithParent() {
  if (!process.channel) return;
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}
