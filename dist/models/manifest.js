/**
 * The model package manifest (`model.json`, format "uniseg.model/1"): a small dataflow graph of
 * ONNX parts over named tensors, with stages of alternative parts (gCIS pathways), named heads
 * (clNet decoders) and tasks that say which output answers which prompt. docs/model-package.md
 * documents every field with examples.
 */
import { z } from 'zod';
export const MANIFEST_FORMAT = 'uniseg.model/1';
const name = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only');
const positive = z.number().positive();
const positiveInt = z.number().int().positive();
const spacing = z.tuple([positive, positive, positive]);
const roi = z.tuple([positiveInt, positiveInt, positiveInt]);
const relativeFile = z
    .string()
    .min(1)
    .refine((f) => !f.startsWith('/') && !f.split(/[\\/]/).includes('..'), 'must be a path inside the package directory');
export const intensitySchema = z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('none') }),
    /** MONAI ScaleIntensityRange: (x - aMin) / (aMax - aMin) * (bMax - bMin) + bMin, clipped to [bMin, bMax] when clip. */
    z.object({ kind: z.literal('clip'), aMin: z.number(), aMax: z.number(), bMin: z.number(), bMax: z.number(), clip: z.boolean().default(true) }),
    z.object({ kind: z.literal('zscore'), mean: z.number(), std: positive }),
]);
export const partSchema = z.object({
    file: relativeFile,
    /** SHA-256 of the file, hex; verified at load when present. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    inputs: z.array(name).min(1),
    outputs: z.array(name).min(1),
});
export const stageSchema = z.object({
    name,
    /** Part names; alternative p (1-based) of this stage is alternatives[p - 1]. All share inputs and outputs. */
    alternatives: z.array(name).min(1),
});
export const headSchema = z.object({
    /** Parts run for this head, in any order (the executor orders them by dataflow). */
    parts: z.array(name).min(1),
    /** The tensor holding this head's logits, [N, C, ...]. */
    output: name,
    /** Label name → channel of `output`. */
    labels: z.record(z.string().min(1), z.number().int().nonnegative()),
    /** Heads whose outputs this head consumes ("supporting" heads in clNet). */
    supporting: z.array(name).default([]),
    /** How the head's channels become a mask when a prompt is served by the head directly. */
    activation: z.enum(['softmax', 'sigmoid']).default('softmax'),
    /**
     * When the head reads tensors that stages produce (e.g. a bottleneck shared with the gCIS
     * pathways), the 1-based alternative per stage those tensors come from. Supporting heads must
     * read the same pathway.
     */
    pathway: z.array(positiveInt).min(1).optional(),
});
export const routeSchema = z.discriminatedUnion('kind', [
    /** No choices: every part that produces the output is fixed (a plain network). */
    z.object({ kind: z.literal('fixed') }),
    /** A fixed pathway: one 1-based alternative index per stage, e.g. [2, 1, 3, 5, 3, 6, 6]. */
    z.object({ kind: z.literal('pathway'), pathway: z.array(positiveInt).min(1) }),
    /** A clNet head, by name. */
    z.object({ kind: z.literal('head'), head: name }),
    /**
     * gCIS automatic pathways: the package router picks one alternative per stage from the prompt's
     * text embedding. `pathway` documents what it picks for the canonical prompt (checked at export)
     * and is used when no text encoder is available.
     */
    z.object({ kind: z.literal('router'), pathway: z.array(positiveInt).min(1).optional() }),
]);
export const promptingSchema = z.object({
    /** A CLIP text model in the transformers.js layout, inside the package, and its prompt template. */
    textEncoder: z.object({ dir: relativeFile, template: z.string().default('{}') }).optional(),
    /** The router part: text embedding [1, D] → pathway logits [1, stages, K]. */
    router: z.object({ part: name, input: name, output: name }).optional(),
    /** Below this cosine similarity to the nearest task, a prompt falls back to heads by name. */
    minSimilarity: z.number().min(-1).max(1).default(0.8),
});
export const taskSchema = z.object({
    name,
    /** Canonical prompt, e.g. "left kidney". */
    prompt: z.string().min(1),
    aliases: z.array(z.string().min(1)).default([]),
    route: routeSchema,
    output: z.object({
        tensor: name,
        /** Channels of `tensor` read by this task, one per label, in the order of `labels`. */
        channels: z.array(z.number().int().nonnegative()).min(1),
    }),
    /** Label name → value written in this task's mask; same order as output.channels. */
    labels: z.record(z.string().min(1), z.number().int().min(1).max(65535)),
    /** softmax over all channels of the tensor (a voxel takes the argmax), or sigmoid per channel (p > threshold). */
    activation: z.enum(['softmax', 'sigmoid']),
    threshold: z.number().gt(0).lt(1).default(0.5),
});
const manifestObject = z.object({
    format: z.literal(MANIFEST_FORMAT),
    name,
    description: z.string().default(''),
    /** The tensor the image enters as, [N, 1, ...spatial]. */
    input: z.object({ tensor: name }),
    preprocess: z.object({
        /** Axis codes of the model grid, e.g. "RAS". */
        orientation: z.string().regex(/^[RLAPSIrlapsi]{3}$/, 'three axis codes such as RAS or LPS'),
        spacing,
        intensity: intensitySchema,
        /** How the oriented volume's axes map to tensor dims: xyz → [i, j, k] (MONAI, nibabel); zyx → [k, j, i] (nnU-Net, SimpleITK). */
        axes: z.enum(['xyz', 'zyx']),
    }),
    inference: z.object({
        /** Window size in voxels along the oriented volume's i, j, k. */
        roi,
        overlap: z.number().min(0).lt(1).default(0.5),
        sigmaScale: positive.default(0.125),
        batchSize: positiveInt.default(1),
        /** Value the normalised image is padded with where it is smaller than roi. */
        padValue: z.number().default(0),
        /**
         * Locate, then segment, unless asked for exact windows: a coarse pass finds each prompt's box and
         * only windows touching it run (src/models/locate.ts). Set by a package whose accuracy was
         * measured with it (`npm run bench -- speed`).
         */
        locate: z.boolean().default(false),
    }),
    postprocess: z
        .object({
        largestComponent: z.boolean().default(false),
        fillHoles: z.boolean().default(false),
    })
        .default({ largestComponent: false, fillHoles: false }),
    parts: z.record(name, partSchema),
    stages: z.array(stageSchema).default([]),
    heads: z.record(name, headSchema).default({}),
    tasks: z.array(taskSchema).min(1),
    prompting: promptingSchema.default({ minSimilarity: 0.8 }),
    /**
     * How overlapping prompts merge into one label map: where several are on, the one whose task or
     * label name comes first in `priority` wins; among unlisted ones, the highest probability.
     */
    merge: z.object({ priority: z.array(z.string().min(1)).default([]) }).default({ priority: [] }),
    /** Set by exportTask: where a trimmed task package came from (for finetuning and provenance). */
    origin: z
        .object({ package: z.string(), prompt: z.string(), task: z.string(), pathway: z.array(positiveInt), head: z.string().optional() })
        .optional(),
    /**
     * Written by the Python toolchain: how to rebuild the PyTorch modules behind the parts (network
     * config, part → module prefix) so scripts/finetune.py can continue training. Not read by the engine.
     */
    training: z.record(z.string(), z.unknown()).optional(),
});
export const manifestSchema = manifestObject.superRefine(checkReferences);
/** Cross-references zod cannot see field by field: names that must exist, counts that must agree. */
function checkReferences(m, ctx) {
    const { parts, stages, heads, tasks, prompting } = m;
    const issue = (path, message) => ctx.addIssue({ code: 'custom', path, message });
    const checkPathwayRange = (pathway, path) => {
        if (pathway.length !== stages.length)
            issue(path, `pathway has ${pathway.length} entries but the package has ${stages.length} stages`);
        pathway.forEach((p, s) => {
            const k = stages[s]?.alternatives.length;
            if (k !== undefined && p > k)
                issue([...path, s], `alternative ${p} of stage "${stages[s].name}" does not exist (it has ${k})`);
        });
    };
    const produced = new Set();
    for (const part of Object.values(parts))
        for (const t of part.outputs)
            produced.add(t);
    if (produced.has(m.input.tensor))
        issue(['input', 'tensor'], `input tensor "${m.input.tensor}" must not be produced by a part`);
    const inStage = new Set();
    stages.forEach((stage, s) => {
        stage.alternatives.forEach((alt, a) => {
            const part = parts[alt];
            if (!part)
                return issue(['stages', s, 'alternatives', a], `unknown part "${alt}"`);
            if (inStage.has(alt))
                issue(['stages', s, 'alternatives', a], `part "${alt}" is an alternative of more than one stage`);
            inStage.add(alt);
            const first = parts[stage.alternatives[0]];
            if (first && (part.inputs.join() !== first.inputs.join() || part.outputs.join() !== first.outputs.join())) {
                issue(['stages', s, 'alternatives', a], `alternative "${alt}" must have the same inputs and outputs as "${stage.alternatives[0]}"`);
            }
        });
    });
    // Outside stages, one tensor has one producer; inside a stage, only its alternatives share outputs.
    const producer = new Map();
    for (const [partName, part] of Object.entries(parts)) {
        if (inStage.has(partName))
            continue;
        for (const t of part.outputs) {
            const other = producer.get(t);
            if (other)
                issue(['parts', partName, 'outputs'], `tensor "${t}" is produced by both "${other}" and "${partName}"`);
            producer.set(t, partName);
        }
    }
    for (const [headName, head] of Object.entries(heads)) {
        head.parts.forEach((p, i) => {
            if (!parts[p])
                issue(['heads', headName, 'parts', i], `unknown part "${p}"`);
        });
        head.supporting.forEach((h, i) => {
            if (!heads[h])
                issue(['heads', headName, 'supporting', i], `unknown head "${h}"`);
            if (h === headName)
                issue(['heads', headName, 'supporting', i], 'a head cannot support itself');
        });
        if (!head.parts.some((p) => parts[p]?.outputs.includes(head.output))) {
            issue(['heads', headName, 'output'], `no part of head "${headName}" produces "${head.output}"`);
        }
        if (head.pathway)
            checkPathwayRange(head.pathway, ['heads', headName, 'pathway']);
        head.supporting.forEach((h, i) => {
            const other = heads[h]?.pathway;
            if (heads[h] && (other ?? []).join() !== (head.pathway ?? []).join()) {
                issue(['heads', headName, 'supporting', i], `supporting head "${h}" reads pathway ${other?.join(',') ?? '(none)'}, head "${headName}" reads ${head.pathway?.join(',') ?? '(none)'}`);
            }
        });
    }
    const taskNames = new Set();
    tasks.forEach((task, t) => {
        if (taskNames.has(task.name))
            issue(['tasks', t, 'name'], `duplicate task name "${task.name}"`);
        taskNames.add(task.name);
        const labelCount = Object.keys(task.labels).length;
        if (labelCount !== task.output.channels.length) {
            issue(['tasks', t, 'labels'], `${labelCount} labels but ${task.output.channels.length} output channels`);
        }
        if (!produced.has(task.output.tensor))
            issue(['tasks', t, 'output', 'tensor'], `no part produces "${task.output.tensor}"`);
        const route = task.route;
        if (route.kind === 'router' && !prompting.router)
            issue(['tasks', t, 'route'], 'route "router" needs prompting.router');
        if ((route.kind === 'pathway' || route.kind === 'router') && route.pathway)
            checkPathwayRange(route.pathway, ['tasks', t, 'route', 'pathway']);
        if (route.kind === 'head' && !heads[route.head])
            issue(['tasks', t, 'route', 'head'], `unknown head "${route.head}"`);
    });
    const router = prompting.router;
    if (router) {
        const part = parts[router.part];
        if (!part)
            issue(['prompting', 'router', 'part'], `unknown part "${router.part}"`);
        else if (part.inputs.join() !== router.input || !part.outputs.includes(router.output)) {
            issue(['prompting', 'router'], `part "${router.part}" must take "${router.input}" alone and produce "${router.output}"`);
        }
        if (stages.length === 0)
            issue(['prompting', 'router'], 'a router needs stages to choose from');
    }
}
