/**
 * Text embeddings exactly as the engine computes them, for the Python toolchain (router
 * distillation in `uniseg_tools export`). Loads a CLIP text encoder directory with
 * src/prompt/clip.ts (same normalisation, template and L2 normalisation as a package's encoder),
 * or a whole package, and embeds a JSON list of strings.
 *
 *   npx tsx scripts/embed_texts.ts --text DIR [--template T] [--raw] IN.json OUT.json
 *   npx tsx scripts/embed_texts.ts --model PKG IN.json OUT.json
 *
 * OUT.json: { dim, template, texts, prepared, embeddings: number[][] } (unit vectors; with --raw the
 * model's text_embeds before L2 normalisation, what a gCIS router reads) and, with --model, also
 * `resolutions`: resolvePrompt(model, text) for every text ({task, route, pathway, similarity,
 * reason}, or {error} when the prompt is refused) — the package's own text encoder, nearest-task
 * rule and router, as `uniseg resolve` runs them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isUnisegError } from '../src/errors.ts';
import { loadModel } from '../src/models/package.ts';
import { resolvePrompt } from '../src/models/routing.ts';
import { CT_TEMPLATE, loadClipTextEncoder } from '../src/prompt/clip.ts';

const USAGE = 'usage: npx tsx scripts/embed_texts.ts (--text DIR [--template T] [--raw] | --model PKG) IN.json OUT.json';

function parseArgs(argv: string[]) {
  let text = '';
  let model = '';
  let template = CT_TEMPLATE;
  let raw = false;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--text') text = argv[++i];
    else if (a === '--model') model = argv[++i];
    else if (a === '--template') template = argv[++i];
    else if (a === '--raw') raw = true;
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else files.push(a);
  }
  if (files.length !== 2 || Boolean(text) === Boolean(model) || (raw && !text)) throw new Error(USAGE);
  return { text, model, template, raw, input: files[0], output: files[1] };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const texts = JSON.parse(readFileSync(args.input, 'utf8')) as unknown;
  if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) throw new Error(`${args.input}: expected a JSON list of strings`);
  const out: Record<string, unknown> = { texts };
  if (args.text) {
    const encoder = await loadClipTextEncoder(args.text, { template: args.template });
    try {
      const vectors = await (args.raw ? encoder.embedRaw(texts) : encoder.embed(texts));
      Object.assign(out, { dim: encoder.dim, template: encoder.template, raw: args.raw, prepared: texts.map((t) => encoder.prepare(t)), embeddings: vectors.map((v) => Array.from(v)) });
    } finally {
      await encoder.close();
    }
  } else {
    const model = await loadModel(args.model);
    try {
      const encoder = await model.textEncoder();
      if (!encoder) throw new Error(`${args.model}: the package has no text encoder`);
      const spec = model.manifest.prompting.textEncoder!;
      const vectors = await encoder.embed(texts);
      const resolutions = [];
      for (const t of texts) {
        try {
          const r = await resolvePrompt(model, t);
          resolutions.push({ task: r.task, route: r.route, pathway: r.pathway, similarity: r.similarity, reason: r.reason });
        } catch (e) {
          resolutions.push({ error: isUnisegError(e) ? e.code : (e as Error).message });
        }
      }
      Object.assign(out, {
        dim: encoder.dim,
        template: spec.template,
        textDir: join(args.model, spec.dir),
        prepared: texts.map((t) => encoder.prepare(t)),
        embeddings: vectors.map((v) => Array.from(v)),
        resolutions,
      });
    } finally {
      await model.close();
    }
  }
  writeFileSync(args.output, JSON.stringify(out));
}

main().catch((e) => {
  // The error code first, so a calling toolchain can tell a refused input from a crash.
  console.error(isUnisegError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
