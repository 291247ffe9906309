#!/usr/bin/env node
// Runs the compiled CLI in dist/ when it was built from exactly the sources in src/ (its stamp
// matches), which starts without a TypeScript transpiler; otherwise the TypeScript sources through
// tsx's loader, so `npx uniseg` works right after `npm ci` and after any edit, with no build step.
// Commands that run networks first start node again with transparent huge pages (huge-pages.mjs).
import { fileURLToPath } from 'node:url';
import { relaunchWithHugePages } from './huge-pages.mjs';
import { distIsCurrent } from './source-hash.mjs';

if (!relaunchWithHugePages()) {
  if (distIsCurrent(fileURLToPath(new URL('../', import.meta.url)))) {
    await import('../dist/cli/main.js');
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import('../src/cli/main.ts');
  }
}
