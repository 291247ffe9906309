/**
 * resolvePrompt: prompt → task and route. With a text encoder, the prompt's embedding is compared
 * with every task's prompt and aliases; the nearest task (if similar enough) fixes the output
 * labels, and its route says how it runs — for "router" tasks the package router turns the
 * prompt's embedding into one alternative per stage (gCIS). Below the threshold, or without a text
 * encoder, prompts match by name: tasks first, then clNet head labels. Nothing matching is a typed
 * error carrying the three closest prompts.
 */
import { UnisegError } from '../errors.ts';
import { logRefusal, logSelection, type SelectionLogger } from '../pathways/log.ts';
import { matchByName } from '../pathways/names.ts';
import { suggestTasks } from '../pathways/suggest.ts';
import { pathwayFromLogits, rankBySimilarity, type EmbeddedText } from '../pathways/select.ts';
import type { CachedTextEncoder } from '../prompt/encoder.ts';
import { preparePrompt } from '../prompt/normalize.ts';
import type { Head, Task } from './manifest.ts';
import type { Model } from './package.ts';
import type { ResolvedPrompt, RouteTaken } from './segment.ts';

export interface Resolution {
  readonly prompt: string;
  readonly normalized: string;
  readonly route: 'pathway' | 'head' | 'fixed';
  readonly task: string;
  /** 1-based alternative per stage; empty unless route is "pathway". */
  readonly pathway: number[];
  /** Cosine similarity to the nearest task text; null when no text encoder decided. */
  readonly similarity: number | null;
  readonly head?: string;
  readonly reason: string;
  readonly truncated: boolean;
  readonly ms: number;
}

export interface ResolveOptions {
  logger?: SelectionLogger;
}

const taskTexts = (task: Task) => [task.prompt, ...task.aliases, task.name];

/** Embeddings of every task text, computed once per model. */
const indexes = new WeakMap<Model, Promise<EmbeddedText<Task>[]>>();

async function taskIndex(model: Model): Promise<EmbeddedText<Task>[] | null> {
  const encoder = await model.textEncoder();
  if (!encoder) return null;
  let index = indexes.get(model);
  if (!index) {
    const entries = model.manifest.tasks.flatMap((task) => taskTexts(task).map((text) => ({ task, text })));
    index = encoder.embed(entries.map((e) => e.text)).then((vectors) => entries.map((e, i) => ({ item: e.task, text: e.text, embedding: vectors[i] })));
    indexes.set(model, index);
    index.catch(() => indexes.delete(model));
  }
  return index;
}

/** What the package router reads for a prompt: its unit embedding, or the raw one (prompting.router.normalize false). */
async function routerInput(model: Model, encoder: CachedTextEncoder, prompt: string, unit: Float32Array): Promise<Float32Array> {
  if (model.manifest.prompting.router!.normalize !== false) return unit;
  if (!encoder.embedRaw) {
    throw new UnisegError('TEXT_ENCODER_INVALID', `the router of ${model.dir} reads raw text embeddings, which a ${encoder.kind} text encoder does not give`, { dir: model.dir });
  }
  return (await encoder.embedRaw([prompt]))[0];
}

async function routerPathway(model: Model, embedding: Float32Array): Promise<number[]> {
  const router = model.manifest.prompting.router!;
  const [logits] = await model.parts.run(router.part, [{ data: embedding, dims: [1, embedding.length] }]);
  const stages = model.manifest.stages.length;
  const k = logits.dims.at(-1)!;
  // K is the widest stage; a stage with fewer alternatives ignores its padding logits.
  const sizes = model.manifest.stages.map((s) => s.alternatives.length);
  const widest = Math.max(...sizes);
  if (logits.dims.length !== 3 || logits.dims[1] !== stages || k !== widest) {
    throw new UnisegError('MODEL_TENSOR_MISMATCH', `router output has dims [${logits.dims.join(', ')}]; expected [1, ${stages}, ${widest}] (stages × the widest stage's alternatives)`, {
      dims: logits.dims,
    });
  }
  return pathwayFromLogits(logits.data, stages, k, sizes);
}

/** A task that serves one head label directly (when a prompt names a head label no task lists). */
function headTask(headName: string, head: Head, label: string): Task {
  return {
    name: label,
    prompt: label.replace(/_/g, ' '),
    aliases: [],
    route: { kind: 'head', head: headName },
    output: { tensor: head.output, channels: [head.labels[label]] },
    labels: { [label]: 1 },
    activation: head.activation,
    threshold: 0.5,
  };
}

function byName(model: Model, prompt: string): { task: Task; head?: string } | undefined {
  const task = matchByName(model.manifest.tasks, taskTexts, prompt);
  if (task) return { task };
  const labels = Object.entries(model.manifest.heads).flatMap(([headName, head]) => Object.keys(head.labels).map((label) => ({ headName, head, label })));
  const hit = matchByName(labels, (l) => [l.label], prompt);
  if (!hit) return undefined;
  const listed = model.manifest.tasks.find((t) => t.route.kind === 'head' && t.route.head === hit.headName && Object.keys(t.labels).length === 1 && hit.label in t.labels);
  return { task: listed ?? headTask(hit.headName, hit.head, hit.label), head: hit.headName };
}

/** The route a task runs with, given the pathway its prompt chose (router tasks) if any. */
function routeFor(task: Task, chosen: number[] | undefined): RouteTaken {
  const r = task.route;
  if (r.kind === 'pathway') return { kind: 'pathway', pathway: [...r.pathway] };
  if (r.kind === 'router') {
    const pathway = chosen ?? r.pathway;
    if (!pathway) {
      throw new UnisegError('TEXT_ENCODER_INVALID', `task "${task.name}" is routed by the text router, but the package has no text encoder and documents no pathway for it`, { task: task.name });
    }
    return { kind: 'pathway', pathway: [...pathway] };
  }
  if (r.kind === 'head') return { kind: 'head', head: r.head };
  return { kind: 'fixed' };
}

/** The JSON-ready answer for a prompt (what `uniseg resolve --json` prints). */
export async function resolvePrompt(model: Model, prompt: string, options: ResolveOptions = {}): Promise<Resolution> {
  return (await resolveFully(model, prompt, options)).resolution;
}

/** A resolver for segment(): routes prompts as resolvePrompt does and logs each selection. */
export function promptResolver(options: ResolveOptions = {}): (model: Model, prompt: string) => Promise<ResolvedPrompt> {
  return async (model, prompt) => (await resolveFully(model, prompt, options)).resolved;
}

async function resolveFully(model: Model, prompt: string, options: ResolveOptions): Promise<{ resolution: Resolution; resolved: ResolvedPrompt }> {
  const started = performance.now();
  const normalized = preparePrompt(prompt);
  const index = await taskIndex(model);
  const threshold = model.manifest.prompting.minSimilarity;
  let similarity: number | null = null;
  let task: Task | undefined;
  let chosen: number[] | undefined;
  let reason = 'name';
  let truncated = false;
  let ranked: ReturnType<typeof rankBySimilarity<Task>> = [];

  if (index) {
    const encoder = (await model.textEncoder())!;
    const [embedding] = await encoder.embed([prompt]);
    truncated = model.truncated.has(encoder.prepare(prompt));
    ranked = rankBySimilarity(embedding, index);
    similarity = ranked[0].similarity;
    if (similarity >= threshold) {
      task = ranked[0].item;
      reason = 'similarity';
      if (task.route.kind === 'router') chosen = await routerPathway(model, await routerInput(model, encoder, prompt, embedding));
    } else {
      reason = `name (similarity ${similarity.toFixed(3)} below ${threshold})`;
    }
  }
  let head: string | undefined;
  if (!task) {
    const named = byName(model, prompt);
    if (!named) {
      const error = unknownPrompt(model, prompt, ranked);
      logRefusal(options.logger, { prompt, normalized, error: error.code, truncated, ms: performance.now() - started });
      throw error;
    }
    task = named.task;
    head = named.head;
  }

  const route = routeFor(task, chosen);
  const resolution: Resolution = {
    prompt,
    normalized,
    route: route.kind,
    task: task.name,
    pathway: route.kind === 'pathway' ? route.pathway : [],
    similarity,
    ...(route.kind === 'head' ? { head: route.head } : head ? { head } : {}),
    reason,
    truncated,
    ms: performance.now() - started,
  };
  logSelection(options.logger, resolution);
  return { resolution, resolved: { prompt, task, route } };
}

function unknownPrompt(model: Model, prompt: string, ranked: { item: Task; similarity: number }[]): UnisegError {
  // ranked is best first; keep each task's best text.
  const best = new Map<string, { task: string; prompt: string; score: number }>();
  for (const r of ranked) if (!best.has(r.item.name)) best.set(r.item.name, { task: r.item.name, prompt: r.item.prompt, score: Math.round(r.similarity * 1000) / 1000 });
  const suggestions = ranked.length > 0 ? [...best.values()].slice(0, 3) : suggestTasks(model.manifest.tasks, prompt);
  const hint = suggestions.map((s) => `"${s.prompt}" (${s.score})`).join(', ');
  const available = model.manifest.tasks.map((t) => t.prompt).join(', ');
  return new UnisegError('PROMPT_UNKNOWN', `no task or head matches the prompt "${prompt}"; closest: ${hint}. Available: ${available}`, {
    prompt,
    suggestions,
    available: model.manifest.tasks.map((t) => t.prompt),
  });
}
