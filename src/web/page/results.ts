/** The results table: colour, prompt, route, volume, a show/hide box and a download link per prompt. */
import type { PromptOutcome } from './runner.ts';

export interface ShownResult extends PromptOutcome {
  readonly colour: readonly [number, number, number];
  readonly volumeMl: number;
}

/** The preview pictures' colours (src/preview/palette.ts), so a picture and the page agree. */
export const COLOURS: readonly (readonly [number, number, number])[] = [
  [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180],
  [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 212], [0, 128, 128], [220, 190, 255],
];

export function addResultRow(table: HTMLTableElement, result: ShownResult, onToggle: (visible: boolean) => void): void {
  table.hidden = false;
  const row = table.tBodies[0].insertRow();
  row.dataset.prompt = result.prompt;
  const swatch = document.createElement('span');
  swatch.className = 'swatch';
  swatch.style.background = `rgb(${result.colour.join(',')})`;
  const toggle = document.createElement('input');
  toggle.type = 'checkbox';
  toggle.checked = true;
  toggle.title = 'show or hide this mask';
  toggle.className = 'toggle';
  toggle.addEventListener('change', () => onToggle(toggle.checked));
  const label = document.createElement('label');
  label.append(toggle, swatch);
  row.insertCell().append(label);
  row.insertCell().textContent = result.prompt === result.task ? result.prompt : `${result.prompt} → ${result.task}`;
  row.insertCell().textContent = result.route;
  row.insertCell().textContent = result.volumeMl.toFixed(1);
  const link = document.createElement('a');
  link.textContent = 'mask';
  link.className = 'download';
  link.download = `${result.task.replace(/[^A-Za-z0-9_.-]+/g, '_') || 'mask'}.nii.gz`;
  link.href = URL.createObjectURL(new Blob([result.mask], { type: 'application/gzip' }));
  row.insertCell().append(link);
}

export function clearResults(table: HTMLTableElement): void {
  for (const link of table.querySelectorAll<HTMLAnchorElement>('a.download')) URL.revokeObjectURL(link.href);
  table.tBodies[0].replaceChildren();
  table.hidden = true;
}
