/**
 * Prompt → task by name: the normalised prompt must equal a task's normalised name, canonical
 * prompt or alias. A prompt that matches nothing gets a typed error with the closest three.
 */
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

export function matchTaskByName<T extends RoutableTask>(tasks: readonly T[], prompt: string): T | undefined {
  const wanted = normalizePrompt(prompt);
  return tasks.find((t) => [t.name, t.prompt, ...t.aliases].some((n) => normalizePrompt(n) === wanted));
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

export function unknownPromptError(tasks: readonly RoutableTask[], prompt: string): UnisegError {
  const suggestions = suggestTasks(tasks, prompt);
  const hint = suggestions.map((s) => `"${s.prompt}" (${s.score})`).join(', ');
  return new UnisegError('PROMPT_UNKNOWN', `no task matches the prompt "${prompt}"; closest: ${hint}. Available: ${tasks.map((t) => t.prompt).join(', ')}`, {
    prompt,
    suggestions,
    available: tasks.map((t) => t.prompt),
  });
}
