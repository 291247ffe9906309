/**
 * `npm run bench -- web [--prompt P] [--ct FILE]`: what in-browser segmentation costs. Node runs the
 * prompt on the CT (after one warm-up run), then headless Chromium runs it in the page twice (the
 * first run includes fetching and checking the package and compiling the parts), and the report
 * gives the seconds, the tab's peak resident memory (the renderer's VmHWM) and the bundle sizes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import zlib from 'node:zlib';
import { DEFAULT_MODEL_DIR } from '../../src/models/default-model.ts';
import { loadModel } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { bundlePage } from '../../src/server/page/bundle.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { SHARED_CT } from '../../test/helpers/paths.ts';
import { launchChromium, serve } from '../../test/web/browser.ts';

const option = (args: string[], name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Chromium renderer processes of the profile the bench launched (found by their command lines in /proc). */
function rendererPids(profile: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmd.includes('--type=renderer') && cmd.includes(profile);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Peak resident memory (kB) of each Chromium renderer process. */
function rendererPeaks(pids: number[]): number[] {
  return pids.map((pid) => {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  });
}

export async function run(args: string[]): Promise<void> {
  if (args.includes('--help')) {
    process.stdout.write('usage: npm run bench -- web [--prompt liver] [--ct ../shared/data/ct/example_ct.nii.gz] [--screenshot page.png]\n');
    return;
  }
  const prompt = option(args, '--prompt', 'liver');
  const screenshot = option(args, '--screenshot', '');
  const ctPath = option(args, '--ct', SHARED_CT);

  const bundle = await bundlePage();
  const wasm = readFileSync(join(dirname(createRequire(import.meta.url).resolve('onnxruntime-web')), 'ort-wasm-simd-threaded.asyncify.wasm'));
  const ct = await readVolume(ctPath);
  const model = await loadModel(DEFAULT_MODEL_DIR);
  await segmentWithModel(model, ct, prompt);
  const nodeStart = performance.now();
  await segmentWithModel(model, ct, prompt);
  const nodeS = (performance.now() - nodeStart) / 1000;
  await model.close();

  const dir = mkdtempSync(join(tmpdir(), 'uniseg-bench-web-'));
  const server = await serve([], dir);
  const chrome = await launchChromium();
  try {
    const page = await chrome.context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('#in-browser:not([disabled])', { timeout: 60_000 });
    const packageBytes = ((await (await fetch(`${server.url}/package`)).json()) as { files: { bytes: number }[] }).files.reduce((n, f) => n + f.bytes, 0);
    await page.setInputFiles('#file', ctPath);
    await page.fill('#prompt', prompt);
    const seconds: number[] = [];
    for (let i = 0; i < 2; i++) {
      await page.locator('body').evaluate((body) => body.removeAttribute('data-state'));
      await page.press('#prompt', 'Enter', { timeout: 600_000 });
      await page.waitForSelector('body[data-state=done], body[data-state=error]', { timeout: 1_200_000 });
      const text = (await page.textContent('#message')) ?? '';
      const match = /done in ([\d.]+) s/.exec(text);
      if (!match) throw new Error(`the page did not finish: ${text}`);
      seconds.push(Number(match[1]));
    }
    if (screenshot) await page.screenshot({ path: screenshot });
    const peaks = rendererPeaks(rendererPids(chrome.profile));

    const rows = [
      ['prompt', `"${prompt}" on ${ctPath.split('/').at(-1)} [${ct.shape.join('x')}]`],
      ['Node (onnxruntime-node), warm', `${nodeS.toFixed(1)} s`],
      ['browser, first run (fetch + check + compile + segment)', `${seconds[0].toFixed(1)} s`],
      ['browser, second run', `${seconds[1].toFixed(1)} s (${(seconds[1] / nodeS).toFixed(1)}x Node)`],
      ['tab peak resident memory (renderer VmHWM)', mb(Math.max(...peaks) * 1024)],
      ['page script (esbuild, minified)', `${mb(bundle.js.length)} (${mb(zlib.gzipSync(bundle.js).length)} gzip), built in ${(bundle.buildMs / 1000).toFixed(1)} s`],
      ['onnxruntime-web WebAssembly', mb(wasm.length)],
      ['model package fetched once', mb(packageBytes)],
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
  } finally {
    await chrome.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
