/**
 * The compiled CLI in dist/ is what bin/uniseg.mjs runs when its stamp matches src/: rebuilding
 * from the current sources must give dist/ byte for byte, stamp included (after any change under
 * src/, run `npm run build`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.ts';

const files = (dir: string) =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.includes('.'))
    .sort();

describe('dist/ (compiled CLI)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'uniseg-dist-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('is exactly what `npm run build` makes from the current sources', { timeout: 240_000 }, () => {
    const out = join(tmp, 'dist');
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-dist.mjs'), out], { cwd: ROOT, encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    const committed = files(join(ROOT, 'dist'));
    expect(committed).toEqual(files(out));
    const stale = committed.filter((f) => !readFileSync(join(ROOT, 'dist', f)).equals(readFileSync(join(out, f))));
    expect(stale, 'dist/ differs from a fresh build: run `npm run build`').toEqual([]);
  });
});
