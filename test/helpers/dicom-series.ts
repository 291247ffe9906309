/**
 * The DICOM test series (test/fixtures/dicom/make_series.py), generated once into the system's
 * temp folder and reused while the generator and the source CT are unchanged. Several test
 * files may ask at once: one takes a lock folder and generates into a scratch folder renamed into
 * place, the others wait for it, so nobody sees a half-written set or generates it twice.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FIXTURES, SHARED_CT } from './paths.ts';

export const MAKE_SERIES = join(FIXTURES, 'dicom', 'make_series.py');

export interface SeriesCase {
  readonly name: string;
  /** Relative to the set's folder. */
  readonly path: string;
  readonly reference?: string;
  readonly syntax?: string;
  readonly lossy?: boolean;
  readonly decoded?: string;
  readonly error?: string;
  readonly seriesInstanceUID?: string;
  readonly secondSeries?: string;
}

export interface SeriesSet {
  readonly dir: string;
  readonly cases: readonly SeriesCase[];
  path(name: string): string;
  get(name: string): SeriesCase;
}

let pending: Promise<SeriesSet> | undefined;
/** Generation takes seconds on an idle machine; a lock older than this is left over from a killed run. */
const GENERATION_WAIT_MS = 300_000;

function takeLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    const held = statSync(lock, { throwIfNoEntry: false });
    if (held && Date.now() - held.mtimeMs > GENERATION_WAIT_MS) rmSync(lock, { recursive: true, force: true });
    return false;
  }
}

export function dicomSeries(): Promise<SeriesSet> {
  pending ??= generate();
  return pending;
}

async function generate(): Promise<SeriesSet> {
  const key = createHash('sha256').update(readFileSync(MAKE_SERIES)).update(String(statSync(SHARED_CT).size)).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `uniseg-dicom-series-${key}`);
  const lock = `${dir}.lock`;
  const started = Date.now();
  while (!existsSync(join(dir, 'manifest.json'))) {
    if (takeLock(lock)) {
      try {
        const scratch = mkdtempSync(join(tmpdir(), 'uniseg-dicom-series-tmp-'));
        await promisify(execFile)('/usr/bin/python3', [MAKE_SERIES, scratch, '--source', SHARED_CT], { maxBuffer: 16 * 1024 * 1024 });
        renameSync(scratch, dir);
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
    } else {
      // Another test file is generating the set: wait for it rather than generating twice.
      if (Date.now() - started > GENERATION_WAIT_MS) throw new Error(`DICOM test series: ${lock} held for over ${GENERATION_WAIT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  const { cases } = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { cases: SeriesCase[] };
  const get = (name: string) => {
    const found = cases.find((c) => c.name === name);
    if (!found) throw new Error(`no DICOM test case ${name}`);
    return found;
  };
  return { dir, cases, path: (name) => join(dir, get(name).path), get };
}
