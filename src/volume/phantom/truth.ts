/**
 * Ground truth for a segmentation task on a phantom: the phantom labels a task's label names
 * stand for — the label itself ("liver", "kidney_left") or a group ("lungs", "kidneys") — and the
 * Dice score of a mask against them.
 */
import { PHANTOM_LABEL_NAMES } from './labels.ts';

const GROUPS: Readonly<Record<string, readonly string[]>> = {
  lungs: ['lung_left', 'lung_right'],
  kidneys: ['kidney_left', 'kidney_right'],
};

/** Phantom label values covered by these label names; empty when the phantom has none of them. */
export function phantomTruth(labelNames: readonly string[]): Set<number> {
  const wanted = new Set(labelNames.flatMap((n) => GROUPS[n] ?? [n]));
  return new Set(Object.entries(PHANTOM_LABEL_NAMES).filter(([, name]) => wanted.has(name)).map(([value]) => Number(value)));
}

/** Dice of mask (nonzero) against truth (labels in `values`), both on one grid; NaN when both are empty. */
export function dice(mask: ArrayLike<number>, truth: ArrayLike<number>, values: ReadonlySet<number>): number {
  let both = 0;
  let a = 0;
  let b = 0;
  for (let i = 0; i < mask.length; i++) {
    const m = mask[i] !== 0;
    const t = values.has(truth[i]);
    if (m) a++;
    if (t) b++;
    if (m && t) both++;
  }
  return (2 * both) / (a + b);
}
