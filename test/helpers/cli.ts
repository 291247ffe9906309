import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './paths.ts';

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `uniseg` binary (bin/uniseg.mjs) with node, as a user would through npx. */
export function uniseg(args: readonly string[], options: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {}): CliRun {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'uniseg.mjs'), ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
