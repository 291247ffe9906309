import { UnisegError } from "../errors.js";
/**
 * Prompt normalisation shared by name matching and text encoders: Unicode NFKC, lower case,
 * underscores/hyphens as spaces, punctuation dropped, whitespace collapsed.
 */
export function normalizePrompt(text) {
    return text
        .normalize('NFKC')
        .toLowerCase()
        .replace(/[_\-/]+/g, ' ')
        .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
        .replace(/\s+/g, ' ')
        .trim();
}
/** Dice similarity of character bigrams (0..1), used to rank suggestions for unknown prompts. */
export function bigramSimilarity(a, b) {
    const grams = (s) => {
        const out = new Map();
        const padded = ` ${s} `;
        for (let i = 0; i < padded.length - 1; i++) {
            const g = padded.slice(i, i + 2);
            out.set(g, (out.get(g) ?? 0) + 1);
        }
        return out;
    };
    const ga = grams(a);
    const gb = grams(b);
    let shared = 0;
    let total = 0;
    for (const [g, n] of ga) {
        shared += Math.min(n, gb.get(g) ?? 0);
        total += n;
    }
    for (const n of gb.values())
        total += n;
    return total === 0 ? 0 : (2 * shared) / total;
}
/**
 * The normalised prompt, or PROMPT_EMPTY when nothing is left: a non-string, white space, control
 * characters and lone surrogates all normalise to "" (only letters and numbers survive).
 */
export function preparePrompt(prompt) {
    const text = typeof prompt === 'string' ? normalizePrompt(prompt) : '';
    if (text === '') {
        throw new UnisegError('PROMPT_EMPTY', `prompt must contain letters or digits; got ${JSON.stringify(prompt)}`, { prompt });
    }
    return text;
}
/** Words that carry no meaning for which structure is asked for ("the left kidney" = "left kidney"). */
export const PROMPT_STOPWORDS = new Set(['a', 'an', 'the', 'of']);
/**
 * A word-order-free key of a normalised prompt: stopwords dropped (unless nothing else is left),
 * remaining words sorted, so "kidney_left", "left kidney" and "the kidney left" share one key.
 */
export function orderFreeKey(normalised) {
    const words = normalised.split(' ').filter((w) => w !== '');
    const content = words.filter((w) => !PROMPT_STOPWORDS.has(w));
    return (content.length > 0 ? content : words).sort().join(' ');
}
