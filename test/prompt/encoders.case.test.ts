/**
 * One behavioural suite, run against every text encoder: what any PromptEncoder must do, whatever
 * produces its vectors. Encoder-specific checks (CLIP parity, name paraphrases) live beside it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnisegError } from '../../src/errors.ts';
import { cachedEncoder, type PromptEncoder } from '../../src/prompt/encoder.ts';
import { loadClipTextEncoder } from '../../src/prompt/clip.ts';
import { createNameEncoder } from '../../src/prompt/names.ts';
import { CLIP_TINY, EXPECTED, maxAbsDiff, unitNorm } from './fixture.ts';

const ENCODERS: { name: string; make: () => Promise<PromptEncoder> }[] = [
  { name: 'clip-tiny', make: () => loadClipTextEncoder(CLIP_TINY, { template: EXPECTED.template }) },
  { name: 'names', make: async () => createNameEncoder() },
];

const PROMPTS = ['liver', 'left kidney', 'Pancreatic tumour', 'T12 vertebra', 'œdème hépatique', 'inferior vena cava'];
const LONG = Array.from({ length: 500 }, (_, i) => ['left', 'kidney', 'with', 'small', 'hypodense', 'lesion'][i % 6]).join(' ');

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isUnisegError(err), `expected a UnisegError ${code}, got ${String(err)}`).toBe(true);
  expect((err as { code: string }).code).toBe(code);
}

describe.each(ENCODERS)('text encoder: $name', ({ make }) => {
  let encoder: PromptEncoder;
  beforeAll(async () => {
    encoder = await make();
  });
  afterAll(async () => {
    await encoder.close();
  });

  it('returns one L2-normalised vector of length dim per prompt', async () => {
    const vectors = await encoder.embed(PROMPTS);
    expect(vectors).toHaveLength(PROMPTS.length);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(encoder.dim);
      expect(Math.abs(unitNorm(v) - 1)).toBeLessThan(1e-5);
    }
    expect(await encoder.embed([])).toEqual([]);
  });

  it('is deterministic and gives different prompts different vectors', async () => {
    const [a] = await encoder.embed(['left kidney']);
    const [b] = await encoder.embed(['left kidney']);
    expect(Array.from(b)).toEqual(Array.from(a));
    const [c] = await encoder.embed(['liver']);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(1e-3);
  });

  it('embeds a batch like one prompt at a time', async () => {
    const batch = await encoder.embed(PROMPTS);
    for (let i = 0; i < PROMPTS.length; i++) {
      const [single] = await encoder.embed([PROMPTS[i]]);
      expect(maxAbsDiff(batch[i], single)).toBeLessThan(1e-5);
    }
  });

  it('embeds prompts with the same normalised text identically', async () => {
    expect(encoder.prepare('Left-Kidney!')).toBe(encoder.prepare('left kidney'));
    const [a, b, c] = await encoder.embed(['left kidney', 'LEFT   KIDNEY', 'left-kidney.']);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).toEqual(Array.from(a));
  });

  it('refuses empty prompts with PROMPT_EMPTY', async () => {
    for (const bad of ['', '   \t\n', '\u0000\u0001', '\ud800', '\udfff\ud800', '!!! ---', '\u200b']) {
      expect(() => encoder.prepare(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'PROMPT_EMPTY' }));
      await rejectsWith(encoder.embed(['liver', bad]), 'PROMPT_EMPTY');
    }
    await rejectsWith(encoder.embed([42 as unknown as string]), 'PROMPT_EMPTY');
  });

  it('drops control characters and lone surrogates around text (documented behaviour)', async () => {
    expect(encoder.prepare('\u0000liver\ud800')).toBe(encoder.prepare('liver'));
  });

  it('embeds a 500-word prompt', async () => {
    const [v] = await encoder.embed([LONG]);
    expect(Math.abs(unitNorm(v) - 1)).toBeLessThan(1e-5);
  });

  it('caches by prepared text: a hit returns the same vector and is counted', async () => {
    const cached = cachedEncoder(encoder, { size: 2 });
    const [cold] = await cached.embed(['Left Kidney']);
    expect(cached.stats()).toMatchObject({ hits: 0, misses: 1, size: 1 });
    const [hit, alias] = await cached.embed(['left kidney', 'left-kidney']);
    expect(Array.from(hit)).toEqual(Array.from(cold));
    expect(Array.from(alias)).toEqual(Array.from(cold));
    expect(cached.stats()).toMatchObject({ hits: 2, misses: 1 });
    hit[0] = 42; // callers get copies
    expect((await cached.embed(['left kidney']))[0][0]).toBe(cold[0]);
    await cached.embed(['liver', 'spleen']); // capacity 2: "left kidney" is evicted
    expect(cached.stats().size).toBe(2);
    await cached.embed(['left kidney']);
    expect(cached.stats()).toMatchObject({ hits: 3, misses: 4 });
  });

  it('times cold and cached embeds (printed, not asserted)', async () => {
    const cached = cachedEncoder(encoder, { size: 64 });
    const prompts = ['right adrenal gland', 'portal vein and splenic vein', 'gallbladder', 'duodenum'];
    let t = performance.now();
    await cached.embed(prompts);
    const cold = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < 100; i++) await cached.embed(prompts);
    const warm = (performance.now() - t) / 100;
    console.log(`[${encoder.kind}] embed ${prompts.length} prompts: cold ${cold.toFixed(2)} ms, cached ${(warm * 1000).toFixed(1)} µs`);
  });
});
