/**
 * `npm run bench -- prompt`: prompt resolution speed. Cold = first resolution in a fresh model
 * (text-encoder load, task-text embeddings, router session); uncached = a new prompt text on a warm
 * model; cached = a prompt text seen before (embedding from the LRU cache). Uses the package given
 * with --model (default the routed test package: tiny CLIP + router); prompts are the package's own.
 */
import { join } from 'node:path';
import { loadModel } from '../../src/models/package.ts';
import { resolvePrompt } from '../../src/models/routing.ts';
import { ROOT } from './child.ts';

const HELP = `usage: npm run bench -- prompt [--model DIR] [--n 2000]`;

export async function run(args: string[]): Promise<void> {
  if (args.includes('--help')) return void process.stdout.write(`${HELP}\n`);
  const at = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const dir = at('--model') ?? join(ROOT, 'test', 'fixtures', 'models', 'routed');
  const n = Number(at('--n') ?? 2000);
  const loadStart = performance.now();
  const model = await loadModel(dir, { threads: 1 });
  // The package's own prompts, written as people type them (capitals, a full stop), up to five.
  const prompts = model.manifest.tasks.slice(0, 5).map((t, i) => (i % 2 ? `${t.prompt[0].toUpperCase()}${t.prompt.slice(1)}.` : t.prompt));
  const cold = performance.now();
  await resolvePrompt(model, prompts[0]);
  const coldMs = performance.now() - cold;

  const uncached: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await resolvePrompt(model, `${prompts[i % prompts.length]} ${'x'.repeat(i + 1)}`).catch(() => undefined);
    uncached.push(performance.now() - t);
  }
  // Every cached prompt must resolve (a refusal would time the error path instead).
  for (const p of prompts) await resolvePrompt(model, p);
  const cached: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await resolvePrompt(model, prompts[i % prompts.length]);
    cached.push(performance.now() - t);
  }
  await model.close();

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
  const row = (name: string, value: string, goal = '') => `  ${name.padEnd(44)}${value.padStart(14)}   ${goal}\n`;
  let out = `prompt bench: ${dir}\n\n`;
  out += row('package load', `${(cold - loadStart).toFixed(1)} ms`);
  out += row('cold: first resolution (encoder load, task index)', `${coldMs.toFixed(1)} ms`);
  out += row('uncached prompt text, median / p95', `${median(uncached).toFixed(2)} / ${p95(uncached).toFixed(2)} ms`);
  const ok = median(cached) < 1;
  out += row(`cached prompt text (${n}x), median / p95`, `${median(cached).toFixed(3)} / ${p95(cached).toFixed(3)} ms`, `goal < 1 ms ${ok ? ' ok' : ' MISSED'}`);
  process.stdout.write(out);
}
