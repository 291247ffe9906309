/**
 * What a prompt encoder is: text → unit vector. Two implementations share this interface and one
 * behavioural test suite: a CLIP text model run through transformers.js (`clip.ts`) and a
 * deterministic name-only fallback for packages without a text model (`names.ts`).
 * `cachedEncoder` puts a per-encoder LRU cache in front of either.
 */
import { UnisegError } from "../errors.js";
import { Lru } from "./lru.js";
/** Placeholder in a prompt template for the normalised prompt. */
export const TEMPLATE_SLOT = '{}';
/** Checks that a template has exactly one `{}` and returns it. */
export function checkTemplate(template) {
    if (typeof template !== 'string' || template.split(TEMPLATE_SLOT).length !== 2) {
        throw new UnisegError('INVALID_ARGUMENT', `prompt template must contain "{}" exactly once; got ${JSON.stringify(template)}`, { template });
    }
    return template;
}
export function applyTemplate(template, normalised) {
    return template.replace(TEMPLATE_SLOT, () => normalised);
}
/** Scales a vector to unit length in place; a zero or non-finite vector is a model failure. */
export function l2normalize(v, what) {
    let sum = 0;
    for (let i = 0; i < v.length; i++)
        sum += v[i] * v[i];
    const norm = Math.sqrt(sum);
    if (!(norm > 0) || !Number.isFinite(norm)) {
        throw new UnisegError('INFERENCE_FAILED', `${what}: embedding has norm ${norm}, cannot normalise`, { norm });
    }
    for (let i = 0; i < v.length; i++)
        v[i] /= norm;
    return v;
}
export function cosine(a, b) {
    let dot = 0;
    for (let i = 0; i < a.length; i++)
        dot += a[i] * b[i];
    return dot;
}
/**
 * An LRU cache of embeddings in front of one encoder instance, keyed by the prepared text (after
 * normalisation and template), so "Left Kidney" and "left-kidney" share an entry; `embed` and
 * `embedRaw` share it. Callers get
 * copies: mutating a returned vector cannot corrupt the cache. Prompts missing from the cache are
 * embedded in one batch, each distinct prepared text once.
 */
export function cachedEncoder(encoder, options = {}) {
    const capacity = options.size ?? 256;
    if (!Number.isInteger(capacity) || capacity < 1) {
        throw new UnisegError('INVALID_ARGUMENT', `text encoder cache size must be a positive integer; got ${capacity}`, { size: capacity });
    }
    const lru = new Lru(capacity);
    let hits = 0;
    let misses = 0;
    // An encoder with raw vectors (CLIP) caches those: the unit vector is derived from the cached raw
    // one, so a raw-embedding router's prompt runs the text model once, not once per form.
    const raw = encoder.embedRaw !== undefined;
    const compute = (prompts) => (raw ? encoder.embedRaw(prompts) : encoder.embed(prompts));
    const cached = async (prompts) => {
        const keys = prompts.map((p) => encoder.prepare(p));
        const out = keys.map((k) => lru.get(k));
        const todo = new Map();
        keys.forEach((k, i) => {
            if (out[i])
                hits++;
            else {
                misses++;
                if (!todo.has(k))
                    todo.set(k, prompts[i]);
            }
        });
        if (todo.size > 0) {
            const vectors = await compute([...todo.values()]);
            const fresh = new Map([...todo.keys()].map((k, j) => [k, vectors[j]]));
            for (const [k, v] of fresh)
                lru.set(k, v);
            keys.forEach((k, i) => (out[i] ??= fresh.get(k)));
        }
        return out.map((v) => v.slice());
    };
    return {
        kind: encoder.kind,
        dim: encoder.dim,
        inner: encoder,
        prepare: (prompt) => encoder.prepare(prompt),
        async embed(prompts) {
            const vectors = await cached(prompts);
            return raw ? vectors.map((v, i) => l2normalize(v, `text encoder ("${encoder.prepare(prompts[i])}")`)) : vectors;
        },
        ...(raw ? { embedRaw: cached } : {}),
        stats: () => ({ hits, misses, size: lru.size, capacity }),
        async close() {
            lru.clear();
            await encoder.close();
        },
    };
}
