/** Colours (src/volume/colours.ts) and CT windows for preview pictures. */
import { distinctColour } from "../volume/colours.js";
/** The colour of the n-th layer (repeats after twelve). */
export function layerColour(n) {
    return distinctColour(n);
}
export const hex = (c) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
export const SOFT_TISSUE = { name: 'soft tissue', level: 40, width: 400 };
export const LUNG = { name: 'lung', level: -600, width: 1500 };
export const BONE = { name: 'bone', level: 400, width: 1800 };
/** The window a structure is judged in, from its prompt or task name (soft tissue unless lung or bone). */
export function windowFor(name) {
    const text = name.toLowerCase();
    if (/lung|airway|trachea|bronch/.test(text))
        return LUNG;
    if (/vertebra|bone|rib|skull|spine|femur|pelvi|sacrum|sternum|mandible/.test(text))
        return BONE;
    return SOFT_TISSUE;
}
/** HU → grey 0..255 in a window. */
export function windowed(value, w) {
    const lo = w.level - w.width / 2;
    const g = ((value - lo) / w.width) * 255;
    return g <= 0 ? 0 : g >= 255 ? 255 : Math.round(g);
}
