/** Suggestions by spelling, for a prompt no route accepted and no text encoder can rank. */
import { bigramSimilarity, normalizePrompt } from "../prompt/normalize.js";
export function suggestTasks(tasks, prompt, count = 3) {
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
