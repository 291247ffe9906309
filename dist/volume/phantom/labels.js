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
];
/** value → name, e.g. { 1: 'body', 2: 'lung_left', ... }; 0 is background and not listed. */
export const PHANTOM_LABEL_NAMES = Object.freeze(Object.fromEntries(PHANTOM_LABELS.map((l) => [l.value, l.name])));
const VALUE_BY_NAME = new Map(PHANTOM_LABELS.map((l) => [l.name, l.value]));
export function labelValue(name) {
    return VALUE_BY_NAME.get(name);
}
