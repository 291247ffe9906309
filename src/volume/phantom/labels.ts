/**
 * The phantom's label table. Data, not code: the anatomy refers to organs by name, so a new
 * structure (say 12 gallbladder) is one row here plus its shapes in the catalogue.
 */
export interface PhantomLabel {
  readonly value: number;
  readonly name: string;
}

export const PHANTOM_LABELS = [
  { value: 1, name: 'body' },
  { value: 2, name: 'lung_left' },
  { value: 3, name: 'lung_right' },
  { value: 4, name: 'liver' },
  { value: 5, name: 'spleen' },
  { value: 6, name: 'kidney_left' },
  { value: 7, name: 'kidney_right' },
  { value: 8, name: 'aorta' },
  { value: 9, name: 'vertebrae' },
  { value: 10, name: 'liver_tumor' },
  { value: 11, name: 'kidney_tumor' },
] as const satisfies readonly PhantomLabel[];

export type PhantomLabelName = (typeof PHANTOM_LABELS)[number]['name'];

/** value → name, e.g. { 1: 'body', 2: 'lung_left', ... }; 0 is background and not listed. */
export const PHANTOM_LABEL_NAMES: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(PHANTOM_LABELS.map((l) => [l.value, l.name])),
);

const VALUE_BY_NAME = new Map<string, number>(PHANTOM_LABELS.map((l) => [l.name, l.value]));

export function labelValue(name: PhantomLabelName): number {
  return VALUE_BY_NAME.get(name)!;
}
