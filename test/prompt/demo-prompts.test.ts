/**
 * The demo package's own text encoder and router, through resolvePrompt: held-out paraphrases
 * (uniseg_tools/data/demo-prompts-heldout.tsv, written before the encoder was trained) reach their
 * task, every canonical prompt gets the pathway its task documents, and an unknown prompt is
 * refused with suggestions (also from the CLI).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnisegError } from '../../src/errors.ts';
import { DEFAULT_MODEL_DIR } from '../../src/models/default-model.ts';
import { loadModel, type Model } from '../../src/models/package.ts';
import { resolvePrompt } from '../../src/models/routing.ts';
import { uniseg } from '../helpers/cli.ts';
import { ROOT } from '../helpers/paths.ts';

const HELD_OUT = join(ROOT, 'uniseg_tools', 'data', 'demo-prompts-heldout.tsv');

function heldOut(): { prompt: string; task: string }[] {
  return readFileSync(HELD_OUT, 'utf8')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .map((line) => {
      const [prompt, task] = line.split('\t');
      return { prompt, task: task.trim() };
    });
}

let model: Model;
beforeAll(async () => {
  model = await loadModel(DEFAULT_MODEL_DIR);
}, 60_000);
afterAll(async () => {
  await model?.close();
});

describe('demo prompts', () => {
  it('resolves at least 95 % of the held-out paraphrases to their task', async () => {
    const lines = heldOut().filter((l) => l.task !== '-');
    expect(lines.length).toBeGreaterThan(50);
    let right = 0;
    const wrong: string[] = [];
    for (const { prompt, task } of lines) {
      const got = await resolvePrompt(model, prompt).then(
        (r) => r.task,
        (e) => (isUnisegError(e) ? e.code : 'error'),
      );
      if (got === task) right++;
      else wrong.push(`${prompt} → ${got} (want ${task})`);
    }
    expect(right / lines.length, wrong.join('; ')).toBeGreaterThanOrEqual(0.95);
  }, 60_000);

  it('gives every canonical prompt the pathway its task documents, and embeds left kidney nearer kidney left than right kidney', async () => {
    for (const task of model.manifest.tasks) {
      const r = await resolvePrompt(model, task.prompt);
      expect(r.task).toBe(task.name);
      if (task.route.kind === 'router') {
        expect(r.route).toBe('pathway');
        expect(r.pathway).toEqual(task.route.pathway);
      } else expect(r.route).toBe(task.route.kind);
    }
    const encoder = (await model.textEncoder())!;
    const [a, b, c] = await encoder.embed(['left kidney', 'kidney left', 'right kidney']);
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i], 0);
    expect(dot(a, b)).toBeGreaterThan(dot(a, c));
  });

  it('refuses an unknown prompt with suggestions, from the library and the CLI', async () => {
    const error = await resolvePrompt(model, 'femur').catch((e) => e);
    expect(isUnisegError(error, 'PROMPT_UNKNOWN')).toBe(true);
    expect(error.details.suggestions.length).toBe(3);
    const run = uniseg(['resolve', 'femur', '--json', '--no-log']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/no task or head matches the prompt "femur"; closest: /);
    const ok = uniseg(['resolve', 'left kidney', '--json', '--no-log']);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ task: 'kidney_left', route: 'pathway' });
  }, 60_000);
});
