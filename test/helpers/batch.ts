/** Small batch inputs: phantom CTs fast enough for the tiny "plain" test package, and broken files. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generatePhantom } from '../../src/volume/phantom/index.ts';
import { writeVolume } from '../../src/volume/nifti/index.ts';
import type { Shape3 } from '../../src/volume/types.ts';
import { ROOT, TEST_MODELS } from './paths.ts';

/** Two fixed-route tasks on a 24³ window: a 24x24x20 phantom is one window, well under a second. */
export const PLAIN_PACKAGE = join(TEST_MODELS, 'plain');
export const PLAIN_PROMPTS = ['liver', 'spleen'];

/** `good` phantoms case0.. and two broken files: broken1.nii.gz (not NIfTI) and broken2.nii (a zero header). */
export async function writeCases(dir: string, good: number, options: { shape?: Shape3; prefix?: string } = {}): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < good; i++) {
    const file = join(dir, `${options.prefix ?? 'case'}${i}.nii.gz`);
    await writeVolume(file, generatePhantom({ seed: 500 + i, shape: options.shape ?? [24, 24, 20], spacing: [1.5, 1.5, 1.5] }).ct);
    files.push(file);
  }
  return files;
}

export function writeBroken(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'broken1.nii.gz'), 'this is not a NIfTI file');
  writeFileSync(join(dir, 'broken2.nii'), Buffer.alloc(400));
}

export function readLedger(outputDir: string): Record<string, unknown>[] {
  return readFileSync(join(outputDir, 'batch.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Every file under `dir` (hidden ones included) as relative path -> bytes. */
export function treeBytes(dir: string, skip: (path: string) => boolean = () => false): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const rel = relative(dir, path);
      if (skip(rel)) continue;
      if (statSync(path).isDirectory()) walk(path);
      else out.set(rel, readFileSync(path));
    }
  };
  walk(dir);
  return out;
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Exit code (null after a signal) once it has exited. */
  readonly exited: Promise<number | null>;
  /** The JSON lines logged so far. */
  lines(): Record<string, unknown>[];
  /** Resolves with the first logged line that matches. */
  waitFor(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** A real `uniseg worker` child process logging JSON lines to `logFile`. */
export function spawnWorker(url: string, logFile: string, options: { model?: string; stallSeconds?: number; threads?: number } = {}): WorkerProcess {
  const args = [join(ROOT, 'bin', 'uniseg.mjs'), 'worker', '--queue', url, '-m', options.model ?? PLAIN_PACKAGE, '--threads', String(options.threads ?? 1), '--log', logFile];
  if (options.stallSeconds !== undefined) args.push('--stall-timeout-s', String(options.stallSeconds));
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = () =>
    existsSync(logFile)
      ? readFileSync(logFile, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as Record<string, unknown>)
      : [];
  return {
    child,
    logFile,
    exited,
    lines,
    async waitFor(match, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = lines().find(match);
        if (found) return found;
        if (child.exitCode !== null || Date.now() > until) throw new Error(`worker ${logFile}: no matching log line (exit ${child.exitCode}); stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
