/**
 * exportTask: one task as a self-contained package for finetuning or deployment (as gCIS ships
 * one trimmed model per downstream task). It keeps the parts the task's route runs — the shared
 * encoder, the chosen alternative of each stage (now plain parts), or the head and the heads
 * supporting it — and one task with a fixed route; no router and no text encoder are needed.
 * Part files are copied unchanged (same SHA-256), so the export computes exactly what the full
 * package computes for that prompt. Written to a temporary directory and renamed at the end.
 */
import { copyFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MANIFEST_FILE, parseManifest } from "./package.js";
import { checkNewDirectory, writePackageDirectory } from "./package-dir.js";
import { planTask, routePathway } from "./plan.js";
import { promptResolver } from "./routing.js";
export async function exportTask(model, prompt, outDir) {
    const out = resolve(outDir);
    await checkNewDirectory(out);
    const { manifest } = model;
    const { task, route } = await promptResolver()(model, prompt);
    const pathway = routePathway(manifest, route);
    const plan = planTask(manifest, task, pathway);
    const used = [...new Set(plan.steps.map((s) => s.part))];
    const heads = {};
    if (route.kind === 'head') {
        const keep = (name) => {
            if (heads[name])
                return;
            // The trimmed package has no stages: the alternatives a head read become plain parts.
            const { pathway: _read, ...head } = manifest.heads[name];
            heads[name] = head;
            manifest.heads[name].supporting.forEach(keep);
        };
        keep(route.head);
    }
    const parts = Object.fromEntries(used.map((name) => [name, manifest.parts[name]]));
    const trimmed = {
        format: manifest.format,
        name: `${manifest.name}-${task.name}`.replace(/[^A-Za-z0-9_.-]/g, '_'),
        description: `${task.prompt} from ${manifest.name}` + (route.kind === 'head' ? ` (head ${route.head})` : pathway.length ? ` (pathway ${pathway.join(',')})` : ''),
        input: manifest.input,
        preprocess: manifest.preprocess,
        inference: manifest.inference,
        postprocess: manifest.postprocess,
        parts,
        heads,
        tasks: [{ ...task, aliases: [...task.aliases], route: route.kind === 'head' ? { kind: 'head', head: route.head } : { kind: 'fixed' } }],
        origin: { package: manifest.name, prompt, task: task.name, pathway, ...(route.kind === 'head' ? { head: route.head } : {}) },
        ...(manifest.training ? { training: manifest.training } : {}),
    };
    parseManifest(trimmed, 'exported manifest');
    await writePackageDirectory(out, async (staging) => {
        for (const name of used) {
            const file = manifest.parts[name].file;
            await mkdir(dirname(join(staging, file)), { recursive: true });
            await copyFile(join(model.dir, file), join(staging, file));
        }
        await writeFile(join(staging, MANIFEST_FILE), `${JSON.stringify(trimmed, null, 2)}\n`);
    });
    const size = async (names) => (await Promise.all(names.map((n) => stat(join(model.dir, manifest.parts[n].file))))).reduce((s, st) => s + st.size, 0);
    const bytes = await size(used);
    const fullBytes = await size(Object.keys(manifest.parts));
    return { dir: out, task: task.name, route, parts: used, bytes, fullBytes, ratio: bytes / fullBytes };
}
