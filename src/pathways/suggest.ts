/** Suggestions by spelling, for a prompt no route accepted and no text encoder can rank. */
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
