/** The name-only encoder: order-free keys and paraphrase-like similarity. */
import { describe, expect, it } from 'vitest';
import { cosine } from '../../src/prompt/encoder.ts';
import { createNameEncoder, embedKey } from '../../src/prompt/names.ts';

describe('name-only text encoder', () => {
  const encoder = createNameEncoder();
  const sim = async (a: string, b: string) => {
    const [va, vb] = await encoder.embed([a, b]);
    return cosine(va, vb);
  };

  it('embeds the order-free key: word order, case, "_" and stopwords do not matter', async () => {
    expect(encoder.prepare('kidney_left')).toBe('kidney left');
    expect(encoder.prepare('The LEFT kidney')).toBe('kidney left');
    expect(await sim('kidney_left', 'left kidney')).toBeCloseTo(1, 6);
    expect(await sim('adrenal_gland_right', 'the right adrenal gland')).toBeCloseTo(1, 6);
  });

  it('ranks paraphrases above different organs', async () => {
    const pairs: [string, string, string][] = [
      // [prompt, paraphrase, different structure]
      ['kidney_left', 'left kidneys', 'liver'],
      ['left kidney', 'kidney', 'spleen'],
      ['liver tumor', 'liver tumour', 'kidney cyst'],
      ['inferior vena cava', 'vena cava inferior', 'aorta'],
      ['pancreas', 'pancreatic', 'stomach'],
      ['kidney_left', 'left kidney', 'kidney right'],
    ];
    for (const [p, para, other] of pairs) {
      const close = await sim(p, para);
      const far = await sim(p, other);
      expect(close, `${p} ~ ${para} (${close.toFixed(3)}) vs ${other} (${far.toFixed(3)})`).toBeGreaterThan(far);
    }
  });

  it('is a pure function of the key and the dim', () => {
    expect(Array.from(embedKey('kidney left', 64))).toEqual(Array.from(embedKey('kidney left', 64)));
    expect(createNameEncoder({ dim: 64 }).dim).toBe(64);
    expect(() => createNameEncoder({ dim: 3 })).toThrow(RangeError);
  });
});
