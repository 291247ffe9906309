/**
 * The web page in headless Chromium against a real `uniseg serve --token` (one browser, one server
 * for the file). The page asks for the token and offers in-browser mode. Server mode: the API's own
 * messages for a non-NIfTI file and an unknown prompt; "liver" on the real abdominal CT
 * (../shared/data/ct) gives, through the page's download link, byte for byte what `uniseg segment`
 * writes, and the viewer shows the overlay colour where the mask is drawn; "mandible" on a real
 * head-and-neck CT (an OpenKBP validation patient cut to its jaw) lies on the clinical contour.
 * In-browser mode: "liver" on the real abdominal CT, dropped on the page, agrees with Node on
 * >= 99.9 % of voxels, and no request (seen by the browser and in the server's log) carries the scan.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readVolume, writeVolume } from '../../src/volume/nifti/index.ts';
import { dice } from '../../src/volume/phantom/truth.ts';
import type { Volume } from '../../src/volume/types.ts';
import { OPENKBP_DIR } from '../../scripts/bench/demo-real.ts';
import { cropVolume, labelBox } from '../convert/crop.ts';
import { ROOT, SHARED_CT } from '../helpers/paths.ts';
import { launchChromium, serve, type Chromium, type Served } from './browser.ts';
import { difference, reddish } from './pixels.ts';

const TOKEN = 'page-t0ken';
const ARTEFACTS = join(ROOT, 'test-results', 'web');

let tmp: string;
let server: Served;
let chrome: Chromium;
let page: Page;
/** The CLI's mask for "liver" on the real abdominal CT (started in the server-mode test, reused by the in-browser one). */
let reference: Promise<Buffer>;
/** A validation patient's CT cut to its mandible contour plus a margin, and that contour. */
let scan: string;
let jaw: Volume;
const MANDIBLE = 7;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'uniseg-page-'));
  const dir = join(OPENKBP_DIR, 'validation-pats', 'pt_201');
  const [ct, oar] = await Promise.all([readVolume(join(dir, 'ct.nii.gz')), readVolume(join(dir, 'oar.nii.gz'))]);
  const { from, size } = labelBox(oar, new Set([MANDIBLE]), 6);
  scan = join(tmp, 'pt_201-jaw.nii.gz');
  await writeVolume(scan, cropVolume(ct, from, size), { datatype: 'int16' });
  jaw = cropVolume(oar, from, size);
  mkdirSync(ARTEFACTS, { recursive: true });
  [server, chrome] = await Promise.all([serve(['--token', TOKEN, '--threads', '1'], tmp), launchChromium()]);
  page = await chrome.context.newPage();
}, 60_000);
afterAll(async () => {
  await chrome?.close();
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The API's own answer to the same request, to compare with what the page shows. */
async function apiError(path: string, init: RequestInit = {}): Promise<{ code: string; message: string }> {
  const res = await fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.ok).toBe(false);
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

/** `uniseg segment CT -p PROMPT -o FILE` with the same model, run beside the page. */
function cliMask(ct: string, prompt: string, out: string): Promise<Buffer> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'uniseg.mjs'), 'segment', ct, '-p', prompt, '-o', out, '--threads', '1', '--no-log'], { cwd: ROOT, stdio: 'ignore' });
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(readFileSync(out)) : reject(new Error(`uniseg segment exited ${code}`)))));
}

/** Drops the file on the page's drop zone, as dragging it from a file manager does: a drop event whose DataTransfer holds the file. */
async function dropFile(path: string): Promise<void> {
  const transfer = await page.evaluateHandle(
    ({ base64, name }) => {
      // Runs in the page; the test's TypeScript has no DOM types, so the browser's DataTransfer is named here.
      const { DataTransfer } = globalThis as unknown as { DataTransfer: new () => { items: { add(file: File): void } } };
      const data = new DataTransfer();
      data.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name));
      return data;
    },
    { base64: readFileSync(path).toString('base64'), name: basename(path) },
  );
  await page.dispatchEvent('#drop', 'drop', { dataTransfer: transfer });
}

describe('web page, server mode', () => {
  it('asks for the token, then lists the package and its prompts', async () => {
    await page.goto(server.url);
    await page.waitForSelector('#token-box:not([hidden])');
    await expect(page.textContent('#message')).resolves.toMatch(/UNAUTHORIZED: this server needs a token/);
    await page.fill('#token', TOKEN);
    await page.click('#token-save');
    await expect.poll(() => page.textContent('#model-name'), { timeout: 30_000 }).toBe('demo');
    const suggestions = await page.$$eval('#suggestions option', (options) => options.map((o) => o.getAttribute('value')));
    expect(suggestions).toEqual(expect.arrayContaining(['liver', 'left kidney', 'mandible', 'left parotid']));
    expect(await page.isHidden('#token-box')).toBe(true);
    // The package can be fetched, so in-browser mode is offered and on by default.
    await page.waitForSelector('#in-browser:not([disabled])', { timeout: 30_000 });
    expect(await page.isChecked('#in-browser')).toBe(true);
    await page.uncheck('#in-browser');
  });

  it("shows the API's message for a file that is not NIfTI and for an unknown prompt", async () => {
    const junk = join(tmp, 'notes.nii.gz');
    writeFileSync(junk, 'these are my notes, not a scan\n'.repeat(20));
    await page.setInputFiles('#file', junk);
    const expected = await apiError('/volumes', { method: 'POST', body: readFileSync(junk) });
    expect(expected.code).toBe('NIFTI_NOT_NIFTI');
    await expect.poll(() => page.textContent('#message'), { timeout: 20_000 }).toBe(`${expected.code}: ${expected.message}`);

    await page.setInputFiles('#file', scan);
    await page.fill('#prompt', 'flux capacitor');
    await page.press('#prompt', 'Enter');
    await page.waitForSelector('body[data-state=error]');
    const unknown = await apiError('/resolve?prompt=flux%20capacitor');
    expect(unknown.code).toBe('PROMPT_UNKNOWN');
    expect(await page.textContent('#message')).toBe(`${unknown.code}: ${unknown.message}`);
    await page.locator('body').evaluate((body) => body.removeAttribute('data-state'));
  });

  /** Runs PROMPT on the file the page holds, in server mode, and returns the downloaded mask. */
  async function runOnServer(prompt: string): Promise<Buffer> {
    await page.fill('#prompt', prompt);
    await page.press('#prompt', 'Enter');
    await page.waitForSelector('body[data-state=done]', { timeout: 560_000 });
    const row = await page.$$eval('#results tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    expect(row).toHaveLength(1);
    expect(row[0][1]).toBe(prompt);
    expect(row[0][2]).toMatch(/^pathway \d+(,\d+)+$/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#results a.download')]);
    expect(download.suggestedFilename()).toBe(`${prompt}.nii.gz`);
    return readFileSync(await download.path());
  }

  it('segments the real abdominal CT for "liver": the downloaded mask equals uniseg segment\'s file, and the viewer draws it', async () => {
    reference = cliMask(SHARED_CT, 'liver', join(tmp, 'cli-liver.nii.gz'));
    await page.setInputFiles('#file', SHARED_CT);
    const fromPage = await runOnServer('liver');
    expect(fromPage.equals(await reference)).toBe(true);

    await page.selectOption('#view', 'axial');
    const canvas = page.locator('#gl');
    const shown = await canvas.screenshot({ path: join(ARTEFACTS, 'server-mode-liver.png') });
    expect(await reddish(shown)).toBeGreaterThan(50);
    await page.click('#results input.toggle');
    const hidden = await canvas.screenshot();
    expect(await reddish(hidden)).toBeLessThan(5);
    // Everything the toggle changed turned redder: the overlay colour is exactly where the mask is drawn.
    const diff = await difference(shown, hidden);
    expect(diff.changed).toBeGreaterThan(50);
    expect(diff.redder / diff.changed).toBeGreaterThan(0.95);
    await page.click('#results input.toggle');
  }, 600_000);

  it('segments a real head-and-neck CT for "mandible": the mask lies on the clinical contour', async () => {
    await page.setInputFiles('#file', scan);
    const mask = await readVolume(new Uint8Array(await runOnServer('mandible')));
    expect(dice(mask.data, jaw.data, new Set([MANDIBLE]))).toBeGreaterThan(0.5);
    await page.selectOption('#view', 'axial');
    await page.locator('#gl').screenshot({ path: join(ARTEFACTS, 'server-mode-mandible.png') });
  }, 600_000);

  it('segments "liver" on the real abdominal CT in the browser: agrees with Node on >= 99.9 % of voxels, and the scan never leaves the tab', async () => {
    const bodies: { url: string; bytes: number }[] = [];
    page.on('request', (request) => bodies.push({ url: request.url(), bytes: request.postDataBuffer()?.length ?? 0 }));
    const logged = server.log().length;

    await page.check('#in-browser');
    await dropFile(SHARED_CT);
    await expect.poll(() => page.textContent('#file-name')).toMatch(/^example_ct\.nii\.gz /);
    await page.fill('#prompt', 'liver');
    // In-browser inference holds the tab's main thread, so the key-up may wait for it.
    await page.press('#prompt', 'Enter', { timeout: 600_000 });
    await page.waitForSelector('body[data-state=done]', { timeout: 900_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#results a.download')]);
    const inBrowser = await readVolume(new Uint8Array(readFileSync(await download.path())));
    const node = await readVolume(new Uint8Array(await reference));
    expect(inBrowser.shape).toEqual(node.shape);
    let agree = 0;
    for (let p = 0; p < node.data.length; p++) if (node.data[p] === inBrowser.data[p]) agree++;
    expect(agree / node.data.length).toBeGreaterThanOrEqual(0.999);
    expect(Array.from(node.data).some((v) => v !== 0)).toBe(true);

    await page.selectOption('#view', 'axial');
    const shown = await page.locator('#gl').screenshot({ path: join(ARTEFACTS, 'in-browser-liver.png') });
    expect(await reddish(shown)).toBeGreaterThan(50);

    // The model was fetched (GETs), the scan was not sent: no request had a body, none went to /segment or /volumes.
    expect(bodies.length).toBeGreaterThan(0);
    expect(bodies.filter((b) => b.bytes > 0)).toEqual([]);
    expect(bodies.filter((b) => /\/(segment|volumes)\b/.test(b.url))).toEqual([]);
    const requests = server.log().slice(logged).filter((line) => line.event === 'request');
    expect(requests.map((r) => r.method).filter((m) => m !== 'GET')).toEqual([]);
    expect(requests.filter((r) => ((r.bytes as number | undefined) ?? 0) > 0)).toEqual([]);
    expect(requests.some((r) => r.path === '/package/files/model.json')).toBe(true);
  }, 960_000);
});
