/**
 * What a prompt encoder is: text → unit vector. Two implementations share this interface and one
 * behavioural test suite: a CLIP text model run through transformers.js (`clip.ts`) and a
 * deterministic name-only fallback for packages without a text model (`names.ts`).
 * `cachedEncoder` puts a per-encoder LRU cache in front of either.
 */
import { UnisegError } from '../errors.ts';
import { Lru } from './lru.ts';

export type TextEncoderKind = 'clip' | 'names';

export interface PromptEncoder {
  readonly kind: TextEncoderKind;
  /** Length of every embedding. */
  readonly dim: number;
  /**
   * The exact text this encoder embeds for a prompt: normalised (normalize.ts) and, for CLIP, put
   * into the template. Two prompts with the same prepared text embed identically. Throws
   * PROMPT_EMPTY when the prompt has no letters or digits.
   */
  prepare(prompt: string): string;
  /** One L2-normalised vector per prompt, in order; PROMPT_EMPTY if any prompt is empty. */
  embed(prompts: string[]): Promise<Float32Array[]>;
  /**
   * The model's own vectors before L2 normalisation, for a router trained on them (gCIS feeds its
   * routers open_clip's unnormalised `encode_text`). Only encoders whose vectors have a meaningful
   * length (CLIP) have it.
   */
  embedRaw?(prompts: string[]): Promise<Float32Array[]>;
  /** Releases the model; the encoder must not be used afterwards. */
  close(): Promise<void>;
}

/** Placeholder in a prompt template for the normalised prompt. */
export const TEMPLATE_SLOT = '{}';

/** Checks that a template has exactly one `{}` and returns it. */
export function checkTemplate(template: string): string {
  if (typeof template !== 'string' || template.split(TEMPLATE_SLOT).length !== 2) {
    throw new UnisegError('INVALID_ARGUMENT', `prompt template must contain "{}" exactly once; got ${JSON.stringify(template)}`, { template });
  }
  return template;
}

export function applyTemplate(template: string, normalised: string): string {
  return template.replace(TEMPLATE_SLOT, () => normalised);
}

/** Scales a vector to unit length in place; a zero or non-finite vector is a model failure. */
export function l2normalize(v: Float32Array, what: string): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum);
  if (!(norm > 0) || !Number.isFinite(norm)) {
    throw new UnisegError('INFERENCE_FAILED', `${what}: embedding has norm ${norm}, cannot normalise`, { norm });
  }
  for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

export interface CacheStats {
  /** Prompts answered from the cache. */
  readonly hits: number;
  /** Prompts whose prepared text was not cached when asked for (computed, then cached). */
  readonly misses: number;
  readonly size: number;
  readonly capacity: number;
}

export interface CachedTextEncoder extends PromptEncoder {
  readonly inner: PromptEncoder;
  stats(): CacheStats;
}

/**
 * An LRU cache of embeddings in front of one encoder instance, keyed by the prepared text (after
 * normalisation and template), so "Left Kidney" and "left-kidney" share an entry; `embed` and
 * `embedRaw` share it. Callers get
 * copies: mutating a returned vector cannot corrupt the cache. Prompts missing from the cache are
 * embedded in one batch, each distinct prepared text once.
 */
export function cachedEncoder(encoder: PromptEncoder, options: { size?: number } = {}): CachedTextEncoder {
  const capacity = options.size ?? 256;
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new UnisegError('INVALID_ARGUMENT', `text encoder cache size must be a positive integer; got ${capacity}`, { size: capacity });
  }
  const lru = new Lru<string, Float32Array>(capacity);
  let hits = 0;
  let misses = 0;
  // An encoder with raw vectors (CLIP) caches those: the unit vector is derived from the cached raw
  // one, so a raw-embedding router's prompt runs the text model once, not once per form.
  const raw = encoder.embedRaw !== undefined;
  const compute = (prompts: string[]) => (raw ? encoder.embedRaw!(prompts) : encoder.embed(prompts));
  const cached = async (prompts: string[]): Promise<Float32Array[]> => {
    const keys = prompts.map((p) => encoder.prepare(p));
    const out: (Float32Array | undefined)[] = keys.map((k) => lru.get(k));
    const todo = new Map<string, string>();
    keys.forEach((k, i) => {
      if (out[i]) hits++;
      else {
        misses++;
        if (!todo.has(k)) todo.set(k, prompts[i]);
      }
    });
    if (todo.size > 0) {
      const vectors = await compute([...todo.values()]);
      const fresh = new Map([...todo.keys()].map((k, j) => [k, vectors[j]] as const));
      for (const [k, v] of fresh) lru.set(k, v);
      keys.forEach((k, i) => (out[i] ??= fresh.get(k)));
    }
    return out.map((v) => (v as Float32Array).slice());
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
