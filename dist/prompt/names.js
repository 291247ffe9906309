/**
 * The name-only text encoder: the fallback when a model package has no text model. It embeds the
 * prompt's order-free key (normalised words minus stopwords, sorted; normalize.ts) as a bag of
 * hashed features, so identical keys embed identically and paraphrases that share words and
 * word pieces ("kidney_left", "left kidney", "the left kidneys") land closer than different organs.
 *
 * Features, each hashed (FNV-1a, 32 bit) into one of `dim` buckets with a weight:
 *   - every word (weight 1): exact word overlap dominates;
 *   - every character trigram of every word padded as `<word>` (weight 0.5 / sqrt(n) for a word
 *     with n trigrams): shared stems and plural/spelling variants still overlap, long words do not
 *     drown short ones.
 * Buckets only add up (no signed hashing), so a vector is never zero. The result is L2-normalised.
 */
import { UnisegError } from "../errors.js";
import { l2normalize } from "./encoder.js";
import { orderFreeKey, preparePrompt } from "./normalize.js";
const WORD_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.5;
export function createNameEncoder(options = {}) {
    const dim = options.dim ?? 512;
    if (!Number.isInteger(dim) || dim < 8)
        throw new RangeError(`name encoder dim must be an integer >= 8; got ${dim}`);
    let closed = false;
    const prepare = (prompt) => orderFreeKey(preparePrompt(prompt));
    return {
        kind: 'names',
        dim,
        prepare,
        async embed(prompts) {
            if (closed)
                throw new UnisegError('INVALID_ARGUMENT', 'the name-only text encoder is closed');
            return prompts.map((p) => embedKey(prepare(p), dim));
        },
        async close() {
            closed = true;
        },
    };
}
/** The embedding of an order-free key (exported for tests and for callers that hold keys). */
export function embedKey(key, dim) {
    const v = new Float32Array(dim);
    for (const word of key.split(' ')) {
        v[fnv1a(`w:${word}`) % dim] += WORD_WEIGHT;
        const padded = Array.from(`<${word}>`);
        const count = padded.length - 2;
        const weight = TRIGRAM_WEIGHT / Math.sqrt(count);
        for (let i = 0; i < count; i++)
            v[fnv1a(`t:${padded.slice(i, i + 3).join('')}`) % dim] += weight;
    }
    return l2normalize(v, `name encoder ("${key}")`);
}
/** FNV-1a over UTF-16 code units, as an unsigned 32-bit integer. */
function fnv1a(text) {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
        h ^= text.charCodeAt(i);
        h = Math.imul(h, 0x01000193);
    }
    return h >>> 0;
}
