/** The tiny CLIP fixture (test/fixtures/clip-tiny/make.py) and broken copies of it. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../helpers/paths.ts';

export const CLIP_TINY = join(FIXTURES, 'clip-tiny');

export interface ExpectedCase {
  prompt: string;
  text: string;
  tokens: number;
  truncated: boolean;
  ids: number[];
  text_embeds: number[];
}

export interface Expected {
  template: string;
  context: number;
  dim: number;
  vocab_size: number;
  bos_id: number;
  eos_id: number;
  tokenizer_cases: { text: string; ids: number[] }[];
  cases: ExpectedCase[];
}

export const EXPECTED: Expected = JSON.parse(readFileSync(join(CLIP_TINY, 'expected.json'), 'utf8'));

const copies: string[] = [];

/** A fresh copy of the fixture in its own temp dir (transformers.js memoises per path). */
export function copyFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'uniseg-clip-'));
  cpSync(CLIP_TINY, dir, { recursive: true });
  copies.push(dir);
  return dir;
}

export function removeCopies(): void {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function editJson(path: string, edit: (doc: any) => void): void {
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  edit(doc);
  writeFileSync(path, JSON.stringify(doc));
}

export function unitNorm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
