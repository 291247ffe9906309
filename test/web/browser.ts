/**
 * Test helpers for the web page: a real `uniseg serve` child on 127.0.0.1 and one headless
 * Debian Chromium (playwright-core, fresh profile) per test file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { ROOT } from '../helpers/paths.ts';

export const CHROMIUM = '/usr/bin/chromium';

export interface Served {
  readonly url: string;
  readonly logFile: string;
  /** The server's request log, one object per JSON line. */
  log(): Record<string, unknown>[];
  close(): Promise<void>;
}

export async function serve(args: readonly string[], dir: string): Promise<Served> {
  const logFile = join(dir, `serve-${Date.now()}.log`);
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin', 'uniseg.mjs'), 'serve', '--port', '0', '--host', '127.0.0.1', '--log', logFile, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
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
  return {
    url,
    logFile,
    log: () =>
      readFileSync(logFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Chromium {
  /** The browser's one context (a fresh profile directory, removed on close). */
  readonly context: BrowserContext;
  /** Its user-data directory. */
  readonly profile: string;
  close(): Promise<void>;
}

/**
 * The flags: no sandbox (CI runs as root), no GPU and no background traffic; swiftshader is the
 * software WebGL niivue draws with when there is no GPU (Chromium refuses it without this flag).
 */
export async function launchChromium(): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'uniseg-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--enable-unsafe-swiftshader'],
  });
  return {
    context,
    profile,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
