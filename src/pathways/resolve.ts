/** Prompt checks and suggestions by spelling, shared by every route. */
import { UnisegError } from '../errors.ts';
import { bigramSimilarity, normalizePrompt } from '../prompt/normalize.ts';

/** What routing needs to know of a task (structurally a manifest task). */
export interface RoutableTask {
  readonly name: string;
  readonly prompt: string;
  readonly aliases: readonly string[];
}

export interface Suggestion {
  readonly task: string;
  readonly prompt: string;
  readonly score: number;
}

export function checkPrompt(prompt: unknown): string {
  if (typeof prompt !== 'string' || normalizePrompt(prompt) === '') {
    throw new UnisegError('PROMPT_EMPTY', `prompt must be non-empty text; got ${JSON.stringify(prompt)}`, { prompt });
  }
  return prompt;
}

export function suggestTasks(tasks: readonly RoutableTask[], prompt: string, count = 3): Suggestion[] {
  const wanted = normalizePrompt(prompt);
  return tasks
    .map((t) => ({
      task: t.name,
      prompt: t.prompt,
      score: Math.max(...[t.name, t.prompt, ...t.aliases].map((n) => bigramSimilarity(wanted, normalizePrompt(n)))),
    }))
    .sort((a, b) => b.score - a.score)
    .slice(0, count)
    .map((s) => ({ ...s, score: Math.round(s.score * 1000) / 1000 }));
}
