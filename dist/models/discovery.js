import { resolvePrompt } from "./routing.js";
export async function listPathways(model) {
    const { manifest } = model;
    const tasks = await Promise.all(manifest.tasks.map(async (task) => {
        const r = task.route;
        let pathway = [];
        if (r.kind === 'pathway')
            pathway = [...r.pathway];
        if (r.kind === 'router')
            pathway = (await model.textEncoder()) ? (await resolvePrompt(model, task.prompt)).pathway : [...(r.pathway ?? [])];
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
    }));
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
export function formatListing(listing) {
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
        if (t.trainedOn || t.caution)
            lines.push(`  ${''.padEnd(16)} ${[t.trainedOn && `trained on ${t.trainedOn}`, t.caution].filter(Boolean).join('; ')}`);
    }
    return lines.join('\n');
}
