import { expect } from 'vitest';
import type { PromptResult } from '../../src/models/segment.ts';

/** `got` has the same mask bytes as `expected` and probabilities within `tolerance` (both segmented with `probabilities: true`). */
export function expectSamePrompt(got: PromptResult, expected: PromptResult, tolerance: number): void {
  expect(Buffer.from(got.mask.data.buffer).equals(Buffer.from(expected.mask.data.buffer))).toBe(true);
  const a = got.probabilities!.data;
  const b = expected.probabilities!.data;
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst).toBeLessThanOrEqual(tolerance);
}
