/**
 * Name keys: how a prompt matches a task or head label by name when no text model decides.
 * Normalised, L/R abbreviations spelled out, stopwords dropped, words sorted — so "kidney_left",
 * "Kidney_L", "left kidney", "L kidney" and "the kidney (left)" share the key "kidney left".
 */
import { normalizePrompt, orderFreeKey } from "../prompt/normalize.js";
const ABBREVIATIONS = { l: 'left', r: 'right', lt: 'left', rt: 'right', lft: 'left', rgt: 'right' };
export function nameKey(text) {
    const words = normalizePrompt(text)
        .split(' ')
        .map((w) => ABBREVIATIONS[w] ?? w);
    return orderFreeKey(words.join(' '));
}
/** The first item one of whose names has the prompt's key. */
export function matchByName(items, names, prompt) {
    const key = nameKey(prompt);
    return items.find((item) => names(item).some((n) => nameKey(n) === key));
}
