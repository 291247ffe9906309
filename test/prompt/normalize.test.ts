/** Prompt preparation helpers and the LRU map behind the embedding cache. */
import { describe, expect, it } from 'vitest';
import { applyTemplate, cachedEncoder, checkTemplate } from '../../src/prompt/encoder.ts';
import { Lru } from '../../src/prompt/lru.ts';
import { createNameEncoder } from '../../src/prompt/names.ts';
import { orderFreeKey, preparePrompt } from '../../src/prompt/normalize.ts';

describe('prompt preparation', () => {
  it('normalises or refuses with PROMPT_EMPTY', () => {
    expect(preparePrompt('  Left_Kidney ')).toBe('left kidney');
    expect(preparePrompt('ﬁbula')).toBe('fibula'); // NFKC ligature
    for (const bad of [undefined, null, 3, '', ' ', '\u0000', '\ud83d']) {
      expect(() => preparePrompt(bad)).toThrow(expect.objectContaining({ code: 'PROMPT_EMPTY' }));
    }
  });

  it('builds order-free keys, keeping stopwords only when nothing else is left', () => {
    expect(orderFreeKey('the right adrenal gland')).toBe('adrenal gland right');
    expect(orderFreeKey('the a')).toBe('a the');
  });

  it('applies templates with exactly one slot, literally', () => {
    expect(applyTemplate('a CT of a {}', 'liver')).toBe('a CT of a liver');
    expect(applyTemplate('{}', '$& $1')).toBe('$& $1');
    expect(() => checkTemplate('none')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('LRU', () => {
  it('evicts the least recently used entry', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.size).toBe(2);
    expect(() => new Lru(0)).toThrow(RangeError);
  });

  it('refuses a bad cache size and closes its encoder', async () => {
    const inner = createNameEncoder();
    expect(() => cachedEncoder(inner, { size: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const cached = cachedEncoder(inner);
    await cached.embed(['liver']);
    await cached.close();
    expect(cached.stats().size).toBe(0);
    await expect(inner.embed(['liver'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
