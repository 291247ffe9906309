/**
 * The page: choose or drop a CT, type prompts (Enter runs), see the masks over the CT, toggle and
 * download them. Errors are the API's (or the in-browser engine's) own messages.
 */
import { BrowserRunner } from '../engine/runner.ts';
import type { PackageListing } from '../engine/fetch-package.ts';
import { Api, ApiError } from './api.ts';
import { addResultRow, clearResults, COLOURS } from './results.ts';
import type { Runner } from './runner.ts';
import { ServerRunner } from './server-runner.ts';
import { Viewer, type ViewName } from './viewer.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const TOKEN_KEY = 'uniseg-token';

const api = new Api();
api.token = sessionStorage.getItem(TOKEN_KEY) ?? '';
const viewer = new Viewer($<HTMLCanvasElement>('gl'), (text, fraction) => {
  $('location').textContent = text;
  $<HTMLInputElement>('slice').value = String(fraction);
});
const serverRunner = new ServerRunner(api);
let browserRunner: Runner | null = null;
let file: File | null = null;
let loaded: Promise<void> | null = null;
let busy = false;

const message = (text: string, kind: 'error' | 'info' = 'error') => {
  const box = $('message');
  box.className = kind;
  box.textContent = text;
};
const showError = (error: unknown) => {
  if (error instanceof ApiError && error.status === 401) $('token-box').hidden = false;
  const e = error as { code?: string; message?: string };
  message(e.code ? `${e.code}: ${e.message}` : String(e.message ?? error));
};
const runner = (): Runner => ($<HTMLInputElement>('in-browser').checked && browserRunner ? browserRunner : serverRunner);
const updateRun = () => {
  $<HTMLButtonElement>('run').disabled = busy || !file;
};

function progress(text: string, fraction: number | null) {
  $('progress-box').hidden = false;
  const bar = $<HTMLProgressElement>('progress');
  if (fraction === null) bar.removeAttribute('value');
  else bar.value = fraction;
  $('progress-text').textContent = text;
}

async function connect(): Promise<void> {
  try {
    const listing = await api.pathways();
    $('token-box').hidden = true;
    $('model-name').textContent = listing.package;
    const names = new Set(listing.tasks.flatMap((t) => [t.prompt, ...t.aliases]));
    $('suggestions').replaceChildren(...[...names].map((n) => Object.assign(document.createElement('option'), { value: n })));
    message('');
    offerBrowserRunner(await api.json<PackageListing>('/package'));
  } catch (error) {
    showError(error);
  }
}

async function choose(chosen: File): Promise<void> {
  file = chosen;
  $('file-name').textContent = `${chosen.name} (${(chosen.size / 1e6).toFixed(1)} MB)`;
  clearResults($<HTMLTableElement>('results'));
  message('');
  updateRun();
  loaded = (async () => {
    progress(`reading ${chosen.name}`, null);
    try {
      await runner().load(chosen);
      await viewer.showCt(await chosen.arrayBuffer(), chosen.name);
    } finally {
      $('progress-box').hidden = true;
    }
  })();
  loaded.catch(showError);
}

async function segment(): Promise<void> {
  const prompts = [...new Set($<HTMLInputElement>('prompt').value.split(/[,;]/).map((p) => p.trim()).filter(Boolean))];
  if (!file || busy) return;
  if (prompts.length === 0) return message('type at least one prompt, e.g. liver', 'info');
  busy = true;
  updateRun();
  message('');
  document.body.dataset.state = 'running';
  const table = $<HTMLTableElement>('results');
  const started = performance.now();
  const tick = setInterval(() => ($('progress-text').dataset.elapsed = `${((performance.now() - started) / 1000).toFixed(0)} s`), 1000);
  try {
    await loaded;
    clearResults(table);
    await viewer.showCt(await file.arrayBuffer(), file.name);
    let n = 0;
    await runner().run(prompts, progress, async (outcome) => {
      const colour = COLOURS[n++ % COLOURS.length];
      const shown = await viewer.addMask(outcome.mask.slice().buffer, `${outcome.task}.nii.gz`, colour);
      addResultRow(table, { ...outcome, colour, volumeMl: shown.volumeMl }, (visible) => viewer.setVisible(shown.index, visible));
      if (n === 1 && shown.centre) viewer.goTo(shown.centre);
    });
    message(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`, 'info');
    document.body.dataset.state = 'done';
  } catch (error) {
    showError(error);
    document.body.dataset.state = 'error';
  } finally {
    clearInterval(tick);
    $('progress-box').hidden = true;
    busy = false;
    updateRun();
  }
}

$('drop').addEventListener('click', () => $<HTMLInputElement>('file').click());
$('drop').addEventListener('keydown', (e) => e.key === 'Enter' && $<HTMLInputElement>('file').click());
$<HTMLInputElement>('file').addEventListener('change', (e) => {
  const chosen = (e.target as HTMLInputElement).files?.[0];
  if (chosen) void choose(chosen);
});
for (const kind of ['dragenter', 'dragover'] as const) $('drop').addEventListener(kind, (e) => (e.preventDefault(), $('drop').classList.add('over')));
$('drop').addEventListener('dragleave', () => $('drop').classList.remove('over'));
$('drop').addEventListener('drop', (e) => {
  e.preventDefault();
  $('drop').classList.remove('over');
  const chosen = e.dataTransfer?.files[0];
  if (chosen) void choose(chosen);
});
$('prompt-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void segment();
});
$('token-save').addEventListener('click', () => {
  api.token = $<HTMLInputElement>('token').value.trim();
  sessionStorage.setItem(TOKEN_KEY, api.token);
  void connect();
});
$<HTMLSelectElement>('view').addEventListener('change', (e) => viewer.setView((e.target as HTMLSelectElement).value as ViewName));
$<HTMLInputElement>('slice').addEventListener('input', (e) => viewer.setSliceFraction(Number((e.target as HTMLInputElement).value)));
$<HTMLInputElement>('in-browser').addEventListener('change', () => file && void choose(file));

/** In-browser mode is offered, and on by default, when the package can be fetched and WebAssembly runs here. */
function offerBrowserRunner(listing: PackageListing): void {
  const box = $<HTMLInputElement>('in-browser');
  if (typeof WebAssembly !== 'object') {
    box.disabled = true;
    box.parentElement!.title = 'this browser has no WebAssembly: segmenting on the server';
    return;
  }
  const first = browserRunner === null;
  browserRunner = new BrowserRunner(api, listing);
  box.disabled = false;
  if (first) box.checked = true;
  const mb = listing.files.reduce((n, f) => n + f.bytes, 0) / 1e6;
  box.parentElement!.title = `the model (${mb.toFixed(1)} MB, fetched once and checked) runs in this tab; the scan is never sent`;
}

$<HTMLInputElement>('in-browser').disabled = true;
void connect();
