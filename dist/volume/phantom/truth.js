/**
 * Ground truth for a segmentation task on a phantom: the phantom labels a task's label names
 * stand for — the label itself ("liver", "kidney_left") or a group ("lungs", "kidneys") — and the
 * Dice score of a mask against them.
 */
import { labelComponents } from "../components.js";
import { labelValue, PHANTOM_LABEL_NAMES } from "./labels.js";
const GROUPS = {
    lungs: ['lung_left', 'lung_right'],
    kidneys: ['kidney_left', 'kidney_right'],
};
/** Phantom label values covered by these label names; empty when the phantom has none of them. */
export function phantomTruth(labelNames) {
    const wanted = new Set(labelNames.flatMap((n) => GROUPS[n] ?? [n]));
    return new Set(Object.entries(PHANTOM_LABEL_NAMES).filter(([, name]) => wanted.has(name)).map(([value]) => Number(value)));
}
/** Dice of mask (nonzero) against truth (labels in `values`), both on one grid; NaN when both are empty. */
export function dice(mask, truth, values) {
    let both = 0;
    let a = 0;
    let b = 0;
    for (let i = 0; i < mask.length; i++) {
        const m = mask[i] !== 0;
        const t = values.has(truth[i]);
        if (m)
            a++;
        if (t)
            b++;
        if (m && t)
            both++;
    }
    return (2 * both) / (a + b);
}
/**
 * Ground truth of a segmentation *task* as the demo package is trained (uniseg_tools/data.py):
 * an organ includes the tumour inside it — liver = liver + liver tumour, kidney_left = left kidney
 * + a kidney tumour in it — and lungs/kidneys are groups. Tumours go to the kidney they touch most
 * (26-neighbours), per 26-connected tumour component, as the training cache splits them. Other names
 * fall back to phantomTruth. Returns a 0/1 mask on the labels' grid.
 */
export function taskTruth(labels, names) {
    const data = labels.data;
    const out = new Uint8Array(data.length);
    const direct = new Set();
    const kidneySides = new Set();
    for (const name of names) {
        if (name === 'liver')
            direct.add(labelValue('liver')).add(labelValue('liver_tumor'));
        else if (name === 'kidney_left' || name === 'kidney_right') {
            direct.add(labelValue(name));
            kidneySides.add(labelValue(name));
        }
        else if (name === 'kidneys') {
            for (const side of ['kidney_left', 'kidney_right']) {
                direct.add(labelValue(side));
                kidneySides.add(labelValue(side));
            }
        }
        else
            for (const v of phantomTruth([name]))
                direct.add(v);
    }
    for (let i = 0; i < data.length; i++)
        if (direct.has(data[i]))
            out[i] = 1;
    if (kidneySides.size > 0)
        markKidneyTumours(labels, kidneySides, out);
    return out;
}
/** Sets `out` on the voxels of kidney tumour components whose host kidney (most touched) is in `sides`. */
function markKidneyTumours(labels, sides, out) {
    const data = labels.data;
    const [nx, ny, nz] = labels.shape;
    const tumour = labelValue('kidney_tumor');
    const mask = new Uint8Array(data.length);
    let any = false;
    for (let i = 0; i < data.length; i++) {
        if (data[i] !== tumour)
            continue;
        mask[i] = 1;
        any = true;
    }
    if (!any)
        return;
    const { labels: ids, sizes } = labelComponents(mask, labels.shape, true);
    const left = labelValue('kidney_left');
    const right = labelValue('kidney_right');
    const touches = sizes.map(() => [0, 0]);
    for (let z = 0; z < nz; z++)
        for (let y = 0; y < ny; y++)
            for (let x = 0; x < nx; x++) {
                const id = ids[x + nx * (y + ny * z)];
                if (!id)
                    continue;
                for (let dz = -1; dz <= 1; dz++)
                    for (let dy = -1; dy <= 1; dy++)
                        for (let dx = -1; dx <= 1; dx++) {
                            const X = x + dx;
                            const Y = y + dy;
                            const Z = z + dz;
                            if (X < 0 || Y < 0 || Z < 0 || X >= nx || Y >= ny || Z >= nz)
                                continue;
                            const v = data[X + nx * (Y + ny * Z)];
                            if (v === left)
                                touches[id][0]++;
                            else if (v === right)
                                touches[id][1]++;
                        }
            }
    // Ties (a tumour touching neither kidney cannot happen: tumours are clipped to their kidney) go left.
    const host = touches.map(([l, r]) => (r > l ? right : left));
    for (let i = 0; i < data.length; i++)
        if (ids[i] && sides.has(host[ids[i]]))
            out[i] = 1;
}
