#!/usr/bin/env node
// `npm run build`: compiles src/ to dist/ (tsc -p tsconfig.build.json: no type check, `.ts`
// imports rewritten to `.js`) and stamps dist/ with the hash of the sources it came from.
// Usage: node scripts/build-dist.mjs [OUTDIR]   (default dist; test/cli/dist.test.ts builds elsewhere)
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceHash, STAMP } from '../bin/source-hash.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const out = resolve(root, process.argv[2] ?? 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync(out, { recursive: true, force: true });
const built = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', out], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
writeFileSync(join(out, STAMP), `${sourceHash(join(root, 'src'))}\n`);
