/**
 * Continual clNet heads: add or remove a decoder head without touching anything that already
 * works. Adding copies one new ONNX file in and writes a new manifest; no other part file is ever
 * rewritten, so every existing part keeps its SHA-256 and every existing task its output. The
 * manifest is replaced atomically: the new one is written beside it, validated (schema, part
 * hashes, the new head's tensor names against its ONNX graph), then renamed over the old, which is
 * kept as model.json.prev.
 */
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { UnisegError } from "../errors.js";
import { MANIFEST_FILE, openPackage, parseManifest, readManifest, sha256 } from "./package.js";
import { exists } from "./package-dir.js";
export async function listHeads(dir) {
    const manifest = await readManifest(dir);
    return Object.entries(manifest.heads).map(([name, head]) => ({
        name,
        labels: { ...head.labels },
        supporting: [...head.supporting],
        parts: head.parts.map((p) => ({ name: p, file: manifest.parts[p].file, sha256: manifest.parts[p].sha256 })),
        tasks: manifest.tasks.filter((t) => t.route.kind === 'head' && t.route.head === name).map((t) => t.name),
    }));
}
export async function addHead(dir, options) {
    const manifest = await readManifest(dir);
    const { name } = options;
    if (!/^[A-Za-z0-9_.-]+$/.test(name))
        throw new UnisegError('INVALID_ARGUMENT', `head name "${name}" may use letters, digits, "_", "." and "-" only`, { field: 'name', value: name });
    if (manifest.heads[name])
        throw new UnisegError('INVALID_ARGUMENT', `the package already has a head "${name}"`, { field: 'name', value: name });
    const partName = `head.${name}`;
    const file = `heads/${name}.onnx`;
    if (manifest.parts[partName] || (await exists(join(dir, file)))) {
        throw new UnisegError('INVALID_ARGUMENT', `part "${partName}" or file ${file} already exists in ${dir}`, { field: 'name', value: name });
    }
    const bytes = await readFile(options.onnx).catch((error) => {
        throw new UnisegError('FILE_NOT_FOUND', `cannot read ONNX file ${options.onnx} (${error.code})`, { field: 'onnx', value: options.onnx });
    });
    const io = await onnxTensorNames(bytes, options.onnx);
    const inputs = options.inputs ?? io.inputs;
    const output = options.output ?? io.outputs[0];
    const pathway = options.pathway ?? sharedHeadPathway(manifest, inputs);
    const labels = Object.fromEntries(options.labels);
    const tasks = manifest.tasks.map((t) => ({ ...t }));
    for (const [label, channel] of options.labels) {
        if (tasks.some((t) => t.name === label))
            throw new UnisegError('INVALID_ARGUMENT', `a task named "${label}" already exists; choose another label name`, { field: 'labels', value: label });
        tasks.push({
            name: label,
            prompt: label.replace(/_/g, ' '),
            aliases: label.includes('_') ? [label] : [],
            route: { kind: 'head', head: name },
            output: { tensor: output, channels: [channel] },
            labels: { [label]: 1 },
            activation: options.activation ?? 'softmax',
            threshold: 0.5,
            ...(options.trainedOn ? { trainedOn: options.trainedOn } : {}),
            ...(options.caution ? { caution: options.caution } : {}),
        });
    }
    const next = {
        ...manifest,
        parts: { ...manifest.parts, [partName]: { file, sha256: sha256(bytes), inputs, outputs: [output] } },
        heads: { ...manifest.heads, [name]: { parts: [partName], output, labels, supporting: options.supporting ?? [], activation: options.activation ?? 'softmax', ...(pathway ? { pathway } : {}) } },
        tasks,
    };
    await mkdir(join(dir, 'heads'), { recursive: true });
    await writeFile(join(dir, file), bytes, { flag: 'wx' });
    try {
        await replaceManifest(dir, next, [partName]);
    }
    catch (error) {
        await rm(join(dir, file), { force: true });
        throw error;
    }
    return parseManifest(next, join(dir, MANIFEST_FILE));
}
export async function removeHead(dir, name) {
    const manifest = await readManifest(dir);
    const head = manifest.heads[name];
    if (!head)
        throw new UnisegError('INVALID_ARGUMENT', `the package has no head "${name}"; heads: ${Object.keys(manifest.heads).join(', ') || 'none'}`, { field: 'name', value: name });
    const dependants = Object.entries(manifest.heads).filter(([, h]) => h.supporting.includes(name)).map(([n]) => n);
    if (dependants.length > 0) {
        throw new UnisegError('INVALID_ARGUMENT', `head "${name}" supports ${dependants.join(', ')}; remove those first`, { field: 'name', value: name, dependants });
    }
    const heads = { ...manifest.heads };
    delete heads[name];
    const stillUsed = new Set(Object.values(heads).flatMap((h) => h.parts));
    const dropped = head.parts.filter((p) => !stillUsed.has(p));
    const parts = Object.fromEntries(Object.entries(manifest.parts).filter(([p]) => !dropped.includes(p)));
    const next = { ...manifest, parts, heads, tasks: manifest.tasks.filter((t) => !(t.route.kind === 'head' && t.route.head === name)) };
    if (next.tasks.length === 0)
        throw new UnisegError('INVALID_ARGUMENT', `removing head "${name}" would leave the package without tasks`, { field: 'name', value: name });
    await replaceManifest(dir, next, []);
    // Part files go only after the new manifest is in place, so the package is never broken.
    for (const p of dropped)
        await rm(join(dir, manifest.parts[p].file), { force: true });
    return parseManifest(next, join(dir, MANIFEST_FILE));
}
/** The pathway a new head reading `inputs` inherits: none unless it reads a stage output; then the one all heads read. */
function sharedHeadPathway(manifest, inputs) {
    const stageOutputs = new Set(manifest.stages.flatMap((s) => manifest.parts[s.alternatives[0]].outputs));
    const read = inputs.filter((t) => stageOutputs.has(t));
    if (read.length === 0)
        return undefined;
    const known = [...new Set(Object.values(manifest.heads).flatMap((h) => (h.pathway ? [h.pathway.join(',')] : [])))];
    if (known.length !== 1) {
        throw new UnisegError('INVALID_ARGUMENT', `the head reads stage output${read.length > 1 ? 's' : ''} ${read.join(', ')}; say which alternatives with --pathway (the package's heads read ${known.join(' / ') || 'none'})`, { field: 'pathway', inputs: read });
    }
    return known[0].split(',').map(Number);
}
/** Writes model.json.next, validates it by loading the package (and creating the sessions of `check`), then swaps it in. */
async function replaceManifest(dir, next, check) {
    const current = join(dir, MANIFEST_FILE);
    const staged = join(dir, `${MANIFEST_FILE}.next`);
    const parsed = parseManifest(next, staged);
    await writeFile(staged, `${JSON.stringify(next, null, 2)}\n`);
    try {
        const probe = await openPackage(dir, parsed, { threads: 1 });
        try {
            for (const part of check)
                await probe.parts.session(part);
        }
        finally {
            await probe.close();
        }
    }
    catch (error) {
        await rm(staged, { force: true });
        throw error;
    }
    await copyFile(current, join(dir, `${MANIFEST_FILE}.prev`));
    await rename(staged, current);
}
async function onnxTensorNames(bytes, file) {
    let session;
    try {
        session = await ort.InferenceSession.create(bytes);
    }
    catch (error) {
        throw new UnisegError('MODEL_PART_INVALID', `${file} is not a loadable ONNX model: ${error.message}`, { field: 'onnx', value: file });
    }
    const io = { inputs: [...session.inputNames], outputs: [...session.outputNames] };
    await session.release();
    return io;
}
