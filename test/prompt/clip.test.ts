/**
 * The CLIP text encoder: parity with the Python tokenizer and torch model that made the fixture,
 * truncation, offline loading and typed errors for broken directories.
 */
import { env } from '@huggingface/transformers';
import { rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnisegError } from '../../src/errors.ts';
import { loadClipTextEncoder, type ClipTextEncoder, type Truncation } from '../../src/prompt/clip.ts';
import { cachedEncoder } from '../../src/prompt/encoder.ts';
import { refusedFetches } from '../../src/prompt/offline.ts';
import { CLIP_TINY, copyFixture, editJson, EXPECTED, maxAbsDiff, removeCopies } from './fixture.ts';

function normalised(v: number[]): Float32Array {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return Float32Array.from(v, (x) => x / n);
}

async function loadError(dir: string, options = {}): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  const err = await loadClipTextEncoder(dir, options).then(
    async (e) => {
      await e.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(isUnisegError(err), `expected a UnisegError, got ${String(err)}`).toBe(true);
  return err as { code: string; message: string; details: Record<string, unknown> };
}

describe('CLIP text encoder (tiny fixture)', () => {
  let encoder: ClipTextEncoder;
  const truncations: Truncation[] = [];
  let loadMs = 0;
  beforeAll(async () => {
    const t = performance.now();
    encoder = await loadClipTextEncoder(CLIP_TINY, { template: EXPECTED.template, onTruncate: (x) => truncations.push(x) });
    loadMs = performance.now() - t;
  });
  afterAll(async () => {
    await encoder.close();
    removeCopies();
  });

  it('reads context and dim from the directory', () => {
    expect(encoder.kind).toBe('clip');
    expect(encoder.context).toBe(EXPECTED.context);
    expect(encoder.dim).toBe(EXPECTED.dim);
  });

  it('tokenizes like the Python BPE that wrote tokenizer.json', () => {
    for (const c of EXPECTED.tokenizer_cases) expect(encoder.tokenize(c.text).ids, c.text).toEqual(c.ids);
  });

  it('prepares, tokenizes and embeds like the torch model (1e-5)', async () => {
    const t = performance.now();
    const vectors = await encoder.embed(EXPECTED.cases.map((c) => c.prompt));
    const firstMs = performance.now() - t;
    let worst = 0;
    EXPECTED.cases.forEach((c, i) => {
      expect(encoder.prepare(c.prompt)).toBe(c.text);
      const tok = encoder.tokenize(c.text);
      expect(tok.ids).toEqual(c.ids);
      expect(tok).toMatchObject({ tokens: c.tokens, truncated: c.truncated });
      worst = Math.max(worst, maxAbsDiff(vectors[i], normalised(c.text_embeds)));
    });
    console.log(`[clip-tiny] load ${loadMs.toFixed(1)} ms; first embed of ${vectors.length} prompts ${firstMs.toFixed(1)} ms; max |Δ| vs torch ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
  });

  it("embedRaw gives the torch model's text_embeds before normalisation (what a gCIS router reads)", async () => {
    const raw = await encoder.embedRaw(EXPECTED.cases.map((c) => c.prompt));
    EXPECTED.cases.forEach((c, i) => {
      const scale = Math.max(...c.text_embeds.map(Math.abs));
      expect(maxAbsDiff(raw[i], Float32Array.from(c.text_embeds)) / scale, c.prompt).toBeLessThan(1e-5);
    });
  });

  it('behind the cache, embed and embedRaw share one text-model run per prompt, and agree with the uncached encoder', async () => {
    // Count the real encoder's runs (the thing under test is the cache, not the model).
    let runs = 0;
    const counted: ClipTextEncoder = { ...encoder, embedRaw: (p: string[]) => ((runs += p.length), encoder.embedRaw(p)), embed: (p: string[]) => ((runs += p.length), encoder.embed(p)), close: async () => {} };
    const cached = cachedEncoder(counted);
    const prompts = EXPECTED.cases.slice(0, 2).map((c) => c.prompt);
    const unit = await cached.embed(prompts);
    const raw = await cached.embedRaw!(prompts);
    expect(runs).toBe(2);
    expect(cached.stats()).toMatchObject({ hits: 2, misses: 2 });
    const direct = await encoder.embed(prompts);
    const directRaw = await encoder.embedRaw(prompts);
    prompts.forEach((_, i) => {
      expect(unit[i]).toEqual(direct[i]);
      expect(raw[i]).toEqual(directRaw[i]);
    });
  });

  it('truncates a prompt longer than the context, keeps <|endoftext|> last and reports it', async () => {
    truncations.length = 0;
    const long = EXPECTED.cases.find((c) => c.truncated)!;
    const [v] = await encoder.embed([long.prompt]);
    expect(maxAbsDiff(v, normalised(long.text_embeds))).toBeLessThan(1e-5);
    expect(truncations).toEqual([{ prompt: long.prompt, text: long.text, tokens: long.tokens, kept: EXPECTED.context }]);
    const tok = encoder.tokenize(long.text);
    expect(tok.ids).toHaveLength(EXPECTED.context);
    expect(tok.ids.at(-1)).toBe(EXPECTED.eos_id);
    await encoder.embed(['liver']);
    expect(truncations).toHaveLength(1);
  });

  it('loads with remote models off, from a relative path too, and never asks for the network', async () => {
    const before = refusedFetches();
    const rel = await loadClipTextEncoder(relative(process.cwd(), CLIP_TINY));
    try {
      expect(env.allowRemoteModels).toBe(false);
      expect(env.allowLocalModels).toBe(true);
      expect(rel.prepare('Liver')).toBe('liver');
      expect((await rel.embed(['liver']))[0]).toHaveLength(EXPECTED.dim);
    } finally {
      await rel.close();
    }
    await expect(env.fetch('https://huggingface.co/x')).rejects.toMatchObject({ code: 'TEXT_ENCODER_INVALID' });
    expect(refusedFetches()).toBe(before + 1);
  });

  it('fails with a typed error, not a download, when onnx/text_model.onnx is missing', async () => {
    const dir = copyFixture();
    rmSync(join(dir, 'onnx', 'text_model.onnx'));
    const before = refusedFetches();
    const err = await loadError(dir);
    expect(err.code).toBe('TEXT_ENCODER_INVALID');
    expect(err.message).toContain(dir);
    expect(err.message).toContain('onnx/text_model.onnx');
    expect(refusedFetches()).toBe(before);
  });

  it.each(['config.json', 'tokenizer.json', 'tokenizer_config.json'])('names a missing %s', async (file) => {
    const dir = copyFixture();
    rmSync(join(dir, file));
    const err = await loadError(dir);
    expect(err).toMatchObject({ code: 'TEXT_ENCODER_INVALID', details: { dir, file } });
  });

  it('names a directory that does not exist', async () => {
    expect(await loadError(join(CLIP_TINY, 'nope'))).toMatchObject({ code: 'TEXT_ENCODER_INVALID' });
  });

  it.each([
    ['config.json', '{"vocab_size": 809,'],
    ['config.json', '[]'],
    ['config.json', '{"vocab_size": -3}'],
    ['tokenizer_config.json', '{"model_max_length": 77}'],
    ['tokenizer.json', '{"model": {"type": "BPE"}}'],
    ['onnx/text_model.onnx', 'not an onnx file'],
  ])('names a corrupt %s (%s)', async (file, content) => {
    const dir = copyFixture();
    writeFileSync(join(dir, file), content);
    const err = await loadError(dir);
    expect(err).toMatchObject({ code: 'TEXT_ENCODER_INVALID', details: { dir, file } });
  });

  it('refuses a tokenizer with more ids than config.json vocab_size', async () => {
    const dir = copyFixture();
    editJson(join(dir, 'tokenizer.json'), (doc) => {
      doc.model.vocab['zzzzz</w>'] = EXPECTED.vocab_size + 5;
    });
    const err = await loadError(dir);
    expect(err).toMatchObject({ code: 'TEXT_ENCODER_INVALID', details: { file: 'tokenizer.json' } });
    expect(err.message).toMatch(/vocab_size/);
  });

  it('refuses a model whose embedding table is smaller than the tokenizer (config lying)', async () => {
    const dir = copyFixture();
    editJson(join(dir, 'tokenizer.json'), (doc) => {
      doc.model.vocab['zzzzz</w>'] = EXPECTED.vocab_size + 5;
    });
    editJson(join(dir, 'config.json'), (doc) => {
      doc.vocab_size = EXPECTED.vocab_size + 100;
    });
    const err = await loadError(dir);
    expect(err).toMatchObject({ code: 'TEXT_ENCODER_INVALID', details: { file: 'onnx/text_model.onnx' } });
    expect(err.message).toMatch(/do not match/);
  });

  it('refuses a projection_dim that disagrees with the model', async () => {
    const dir = copyFixture();
    editJson(join(dir, 'config.json'), (doc) => {
      doc.projection_dim = EXPECTED.dim * 2;
    });
    expect(await loadError(dir)).toMatchObject({ code: 'TEXT_ENCODER_INVALID', details: { file: 'onnx/text_model.onnx' } });
  });

  it('reads a full CLIP config (sizes under text_config)', async () => {
    const dir = copyFixture();
    editJson(join(dir, 'config.json'), (doc) => {
      const { vocab_size, max_position_embeddings, projection_dim } = doc;
      for (const k of Object.keys(doc)) delete doc[k];
      Object.assign(doc, { model_type: 'clip', projection_dim, text_config: { vocab_size, max_position_embeddings: max_position_embeddings - 7 } });
    });
    const e = await loadClipTextEncoder(dir);
    try {
      expect(e.context).toBe(EXPECTED.context - 7);
      expect(e.dim).toBe(EXPECTED.dim);
    } finally {
      await e.close();
    }
  });

  it('checks the template and refuses use after close', async () => {
    expect(await loadError(CLIP_TINY, { template: 'no slot' })).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await loadError(CLIP_TINY, { template: '{} and {}' })).toMatchObject({ code: 'INVALID_ARGUMENT' });
    const e = await loadClipTextEncoder(CLIP_TINY);
    await e.close();
    await expect(e.embed(['liver'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
