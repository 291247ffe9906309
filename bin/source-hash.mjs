// SHA-256 over every TypeScript source under src/ (sorted paths and contents). dist/ records the
// hash of the sources it was compiled from, so the CLI can tell a current build from a stale one.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function sourceHash(srcDir) {
  const files = readdirSync(srcDir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.split('\\').join('/'))
    .sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(srcDir, file))).update('\0');
  return hash.digest('hex');
}

export const STAMP = 'SOURCES.sha256';

/** Whether ROOT/dist was compiled from exactly the sources now in ROOT/src (its stamp matches). */
export function distIsCurrent(root) {
  const stamp = join(root, 'dist', STAMP);
  return existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === sourceHash(join(root, 'src'));
}
