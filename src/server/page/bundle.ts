/**
 * The web page's script, bundled from src/web by esbuild when the server first needs it and kept
 * in memory. Nothing built is committed: the CLI already runs the TypeScript sources through tsx,
 * so the page follows the same rule and can never be stale (a test loads the page from these
 * sources). esbuild is the bundler tsx itself runs on, so this adds no second toolchain.
 */
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { UnisegError } from '../../errors.ts';

// The page is bundled from its TypeScript sources, also when the server itself runs from the
// compiled dist/ (three levels below the repository root either way).
export const WEB_DIR = fileURLToPath(new URL('../../../src/web/', import.meta.url));
const NODE = `${WEB_DIR}engine/node/`;

/**
 * The engine's platform imports, mapped to their browser stand-ins (src/web/engine/node/): the
 * engine's files are bundled unchanged, the way a package.json "browser" field maps modules.
 */
const BROWSER_ALIASES: Record<string, string> = {
  'node:fs/promises': `${NODE}fs-promises.ts`,
  'node:fs': `${NODE}fs.ts`,
  'node:crypto': `${NODE}crypto.ts`,
  'node:os': `${NODE}os.ts`,
  'node:zlib': `${NODE}zlib.ts`,
  'node:stream/promises': `${NODE}stream.ts`,
  'node:stream': `${NODE}stream.ts`,
  'node:path': 'pathe',
  'onnxruntime-node': `${NODE}onnxruntime.ts`,
};

/** The engine's one import from bin/ (Node's start-up helpers), mapped the same way; esbuild aliases only bare names. */
const BIN_STAND_INS: Plugin = {
  name: 'uniseg-bin-stand-ins',
  setup(b) {
    b.onResolve({ filter: /\/bin\/huge-pages\.mjs$/ }, () => ({ path: `${NODE}huge-pages.ts` }));
  },
};

export interface PageBundle {
  readonly js: Uint8Array<ArrayBuffer>;
  readonly buildMs: number;
}

export async function bundlePage(): Promise<PageBundle> {
  const started = performance.now();
  let result;
  try {
    result = await build({
      entryPoints: [`${WEB_DIR}page/main.ts`],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
      alias: BROWSER_ALIASES,
      inject: [`${NODE}buffer.ts`],
      plugins: [BIN_STAND_INS],
    });
  } catch (error) {
    throw new UnisegError('INVALID_ARGUMENT', `the web page could not be bundled from ${WEB_DIR}: ${(error as Error).message}`, { dir: WEB_DIR }, { cause: error });
  }
  const js = result.outputFiles[0].contents;
  return { js: new Uint8Array(js), buildMs: performance.now() - started };
}
