/**
 * One behavioural suite for prompt routing, run against both routes: CLIP similarity + the package
 * router (the `routed` test package), and name-only fallback (the same package without its text
 * encoder, where router tasks use their documented pathways).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../src/models/package.ts';
import { resolvePrompt } from '../../src/models/routing.ts';
import { TEST_MODELS } from '../helpers/paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'uniseg-routing-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function namesOnlyCopy(): string {
  const dir = join(tmp, 'names-only');
  cpSync(join(TEST_MODELS, 'routed'), dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  delete manifest.prompting.textEncoder;
  writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest));
  return dir;
}

const routes = [
  { name: 'CLIP similarity + router', dir: () => join(TEST_MODELS, 'routed'), similarity: true },
  { name: 'name-only fallback', dir: namesOnlyCopy, similarity: false },
];

describe.each(routes)('prompt routing: $name', (route) => {
  let model: Model;
  const lines: Record<string, unknown>[] = [];
  const logger = { info: (record: Record<string, unknown>) => void lines.push(record) };
  beforeAll(async () => {
    model = await loadModel(route.dir(), { threads: 1 });
  });
  afterAll(() => model?.close());

  it.each([
    ['liver', 'liver'],
    ['Liver.', 'liver'],
    ['  LIVER!! ', 'liver'],
    ['spleen', 'spleen'],
    ['Kidney', 'kidney'],
    ['kidneys', 'kidney'],
    ['liver lesions', 'lesions'],
    ['liver_lesions', 'lesions'],
  ])('"%s" reaches task %s', async (prompt, task) => {
    const r = await resolvePrompt(model, prompt, { logger });
    expect(r.task).toBe(task);
    expect(r.route).toBe('pathway');
    expect(r.pathway).toHaveLength(2);
    expect(r.normalized).toBe(prompt.toLowerCase().replace(/[_.!]/g, ' ').replace(/\s+/g, ' ').trim());
    if (route.similarity) expect(r.similarity).toBeGreaterThanOrEqual(model.manifest.prompting.minSimilarity);
    else expect(r.similarity).toBeNull();
  });

  it('gives fixed-pathway tasks their pathway, and router tasks one pathway per prompt', async () => {
    expect((await resolvePrompt(model, 'kidney')).pathway).toEqual([1, 3]);
    const liver = await resolvePrompt(model, 'liver');
    const documented = model.manifest.tasks.find((t) => t.name === 'liver')!.route;
    if (!route.similarity) expect(liver.pathway).toEqual(documented.kind === 'router' ? documented.pathway : []);
    // Variants that normalise alike take the same pathway.
    expect((await resolvePrompt(model, 'LIVER.')).pathway).toEqual(liver.pathway);
  });

  it('refuses unknown prompts with three suggestions, and empty or non-text prompts', async () => {
    const error = await resolvePrompt(model, 'femur', { logger }).catch((e) => e);
    expect(error.code).toBe('PROMPT_UNKNOWN');
    expect(error.details.suggestions).toHaveLength(3);
    expect(error.message).toMatch(/Available: liver, spleen, kidney, liver lesions/);
    for (const bad of ['', '   ', '\u0000\u0001', '\ud800', '...']) {
      await expect(resolvePrompt(model, bad)).rejects.toMatchObject({ code: 'PROMPT_EMPTY' });
    }
  });

  it('writes one selection-log line per prompt, refusals included', async () => {
    lines.length = 0;
    await resolvePrompt(model, 'Spleen', { logger });
    await resolvePrompt(model, 'femur', { logger }).catch(() => undefined);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ prompt: 'Spleen', normalized: 'spleen', route: 'pathway', task: 'spleen', reason: route.similarity ? 'similarity' : 'name' });
    expect(lines[0].pathway).toMatch(/^\d,\d$/);
    expect(typeof lines[0].ms).toBe('number');
    expect(lines[1]).toMatchObject({ prompt: 'femur', error: 'PROMPT_UNKNOWN' });
  });
});

describe('CLIP-specific routing', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(join(TEST_MODELS, 'routed'), { threads: 1 });
  });
  afterAll(() => model?.close());

  it('takes the router argmax of the prompt embedding per stage', async () => {
    const { weight, bias, stages, k } = JSON.parse(readFileSync(join(TEST_MODELS, 'routed', 'router_weights.json'), 'utf8'));
    const encoder = (await model.textEncoder())!;
    for (const prompt of ['liver', 'spleen']) {
      const [e] = await encoder.embed([prompt]);
      const logits = weight.map((row: number[], o: number) => row.reduce((s, w, d) => s + w * e[d], bias[o]));
      const expected = Array.from({ length: stages }, (_, s) => {
        const row = logits.slice(s * k, s * k + k);
        return row.indexOf(Math.max(...row)) + 1;
      });
      expect((await resolvePrompt(model, prompt)).pathway).toEqual(expected);
    }
  });

  it('truncates a prompt longer than the context and says so', async () => {
    const long = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const lines: Record<string, unknown>[] = [];
    const error = await resolvePrompt(model, long, { logger: { info: (r: Record<string, unknown>) => void lines.push(r) } }).catch((e) => e);
    expect(error.code).toBe('PROMPT_UNKNOWN');
    expect(lines[0]).toMatchObject({ truncated: true, error: 'PROMPT_UNKNOWN' });
  });

  it('embeds once per prompt text (cache)', async () => {
    const encoder = (await model.textEncoder())!;
    const before = encoder.stats().hits;
    await resolvePrompt(model, 'Liver');
    await resolvePrompt(model, 'liver.');
    expect(encoder.stats().hits).toBeGreaterThan(before);
  });
});

describe('clNet heads by name', () => {
  it.each(['kidney_left', 'Kidney_L', 'left kidney', 'L kidney', 'the kidney (left)'])('"%s" reaches head Organs, label kidney_left', async (prompt) => {
    const model = await loadModel(join(TEST_MODELS, 'heads'), { threads: 1 });
    const r = await resolvePrompt(model, prompt);
    await model.close();
    expect(r).toMatchObject({ route: 'head', head: 'Organs', task: 'kidney_left', pathway: [], similarity: null });
  });
});
