import { describe, expect, it } from 'vitest';
import { pathwayFromLogits, rankBySimilarity } from '../../src/pathways/select.ts';

describe('pathwayFromLogits', () => {
  it('takes the argmax of each stage, 1-based', () => {
    const logits = Float32Array.from([0.1, 0.9, 0.3, /* stage 2 */ 2, -1, 1.5]);
    expect(pathwayFromLogits(logits, 2, 3)).toEqual([2, 1]);
  });

  it('ignores the padding logits of a stage with fewer alternatives than the router width', () => {
    // Stage 1 has 2 alternatives: its third logit (padding) is the largest but must never win.
    const logits = Float32Array.from([0.2, 0.1, 9, /* stage 2 */ 0, 0.5, 3]);
    expect(pathwayFromLogits(logits, 2, 3, [2, 3])).toEqual([1, 3]);
    expect(pathwayFromLogits(logits, 2, 3)).toEqual([3, 3]);
  });
});

describe('rankBySimilarity', () => {
  it('orders known texts by cosine similarity of unit embeddings', () => {
    const known = [
      { item: 'a', text: 'a', embedding: Float32Array.from([1, 0]) },
      { item: 'b', text: 'b', embedding: Float32Array.from([0, 1]) },
    ];
    const ranked = rankBySimilarity(Float32Array.from([0.6, 0.8]), known);
    expect(ranked.map((r) => r.item)).toEqual(['b', 'a']);
    expect(ranked[0].similarity).toBeCloseTo(0.8, 6);
  });
});
