/**
 * listPathways: what a package can do, for people and tools. Every stage with its K alternatives
 * and the tasks that use each (router tasks counted by what the router picks for their canonical
 * prompt), every head with its labels and supporting heads, every task with its route.
 */
import type { Model } from './package.ts';
import { resolvePrompt } from './routing.ts';

export interface AlternativeInfo {
  /** 1-based, as written in pathways. */
  readonly index: number;
  readonly part: string;
  readonly tasks: string[];
  readonly shared: number;
}

export interface PathwayListing {
  readonly package: string;
  readonly textEncoder: { dir: string; template: string } | null;
  readonly router: string | null;
  readonly stages: { name: string; alternatives: AlternativeInfo[] }[];
  readonly heads: { name: string; labels: Record<string, number>; supporting: string[]; parts: string[] }[];
  readonly tasks: { name: string; prompt: string; aliases: string[]; route: string; pathway: number[]; head?: string; labels: Record<string, number>; trainedOn?: string; caution?: string }[];
}

export async function listPathways(model: Model): Promise<PathwayListing> {
  const { manifest } = model;
  const tasks = await Promise.all(
    manifest.tasks.map(async (task) => {
      const r = task.route;
      let pathway: number[] = [];
      if (r.kind === 'pathway') pathway = [...r.pathway];
      if (r.kind === 'router') pathway = (await model.textEncoder()) ? (await resolvePrompt(model, task.prompt)).pathway : [...(r.pathway ?? [])];
      return {
        name: task.name,
        prompt: task.prompt,
        aliases: [...task.aliases],
        route: r.kind,
        pathway,
        ...(r.kind === 'head' ? { head: r.head } : {}),
        labels: { ...task.labels },
        ...(task.trainedOn ? { trainedOn: task.trainedOn } : {}),
        ...(task.caution ? { caution: task.caution } : {}),
      };
    }),
  );
  const stages = manifest.stages.map((stage, s) => ({
    name: stage.name,
    alternatives: stage.alternatives.map((part, a) => {
      const users = tasks.filter((t) => t.pathway[s] === a + 1).map((t) => t.name);
      return { index: a + 1, part, tasks: users, shared: users.length };
    }),
  }));
  return {
    package: manifest.name,
    textEncoder: manifest.prompting.textEncoder ? { ...manifest.prompting.textEncoder } : null,
    router: manifest.prompting.router?.part ?? null,
    stages,
    heads: Object.entries(manifest.heads).map(([name, head]) => ({ name, labels: { ...head.labels }, supporting: [...head.supporting], parts: [...head.parts] })),
    tasks,
  };
}

export function formatListing(listing: PathwayListing): string {
  const lines = [`package ${listing.package}${listing.textEncoder ? ` (text encoder ${listing.textEncoder.dir}, router ${listing.router ?? 'none'})` : ' (no text encoder: prompts match by name)'}`];
  if (listing.stages.length > 0) {
    lines.push('', 'stages (alternative: tasks)');
    for (const stage of listing.stages) {
      lines.push(`  ${stage.name}: ${stage.alternatives.map((a) => `${a.index}: ${a.tasks.join(' ') || '-'}`).join(' | ')}`);
    }
  }
  if (listing.heads.length > 0) {
    lines.push('', 'heads');
    for (const h of listing.heads) {
      lines.push(`  ${h.name}: ${Object.keys(h.labels).join(', ')}${h.supporting.length ? ` (supported by ${h.supporting.join(', ')})` : ''}`);
    }
  }
  lines.push('', 'tasks');
  for (const t of listing.tasks) {
    const how = t.pathway.length > 0 ? `pathway ${t.pathway.join(',')}${t.route === 'router' ? ' (router)' : ''}` : t.head ? `head ${t.head}` : t.route;
    lines.push(`  ${t.prompt.padEnd(16)} ${how}${t.aliases.length ? `  aliases: ${t.aliases.join(', ')}` : ''}`);
    if (t.trainedOn || t.caution) lines.push(`  ${''.padEnd(16)} ${[t.trainedOn && `trained on ${t.trainedOn}`, t.caution].filter(Boolean).join('; ')}`);
  }
  return lines.join('\n');
}
