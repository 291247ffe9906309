/** Shared by benches: measuring in a fresh child process, where peak RSS belongs to the work alone. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hugePageEnv } from '../../bin/huge-pages.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DISPATCHER = fileURLToPath(new URL('./index.ts', import.meta.url));
export const MB = 1024 * 1024;

/**
 * Peak RSS of this process, bytes. Prefers VmHWM from /proc: getrusage's maxRSS (what
 * process.resourceUsage() reports) survives exec on Linux, so a child would inherit its
 * parent's peak at fork time; VmHWM belongs to the new address space alone.
 */
export function peakRss(): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux: fall back below.
  }
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * Runs `npm run bench -- <bench> ...args` in a fresh node process and parses the last stdout line
 * as JSON. The child gets transparent huge pages where the machine has them, as `uniseg segment`
 * does (bin/huge-pages.mjs): set UNISEG_HUGE_PAGES=0 to measure without.
 */
export function runBenchChild<T>(bench: string, args: readonly string[]): T {
  const result = spawnSync(process.execPath, ['--import', 'tsx', DISPATCHER, bench, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * MB, env: hugePageEnv() });
  if (result.status !== 0) throw new Error(`${bench} bench child (${args.join(' ')}) failed (status ${result.status}): ${result.stderr || result.error}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as T;
}
