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
const intensityStepSchemas = [
    z.object({ kind: z.literal('none') }),
    /** MONAI ScaleIntensityRange: (x - aMin) / (aMax - aMin) * (bMax - bMin) + bMin, clipped to [bMin, bMax] when clip. */
    z.object({ kind: z.literal('clip'), aMin: z.number(), aMax: z.number(), bMin: z.number(), bMax: z.number(), clip: z.boolean().default(true) }),
    z.object({ kind: z.literal('zscore'), mean: z.number(), std: positive }),
    /**
     * MONAI NormalizeIntensity with the image's own statistics: (x - mean) / std (population std; 0
     * counts as 1), over the voxels != 0 only when nonzero (the others stay 0).
     */
    z.object({ kind: z.literal('normalize'), nonzero: z.boolean().default(false) }),
    /** MONAI ScaleIntensity: the image's [min, max] mapped linearly onto [minv, maxv]. */
    z.object({ kind: z.literal('scale'), minv: z.number(), maxv: z.number() }),
    /** nnU-Net's CTNormalization: clip to [lower, upper], then (x - mean) / max(std, 1e-8), in float32. */
    z.object({ kind: z.literal('ct'), lower: z.number(), upper: z.number(), mean: z.number(), std: z.number().nonnegative() }),
];
const intensityStepSchema = z.discriminatedUnion('kind', [...intensityStepSchemas]);
export const intensitySchema = z.discriminatedUnion('kind', [
    ...intensityStepSchemas,
    /** Several steps in order (a MONAI transform chain such as NormalizeIntensity then ScaleIntensity). */
    z.object({ kind: z.literal('steps'), steps: z.array(intensityStepSchema).min(1) }),
]);
const resampleOrder = z.object({
    /** Spline order in-plane (or in 3-D): 0, 1 or 3, as scipy.ndimage.zoom with grid_mode. */
    order: z.union([z.literal(0), z.literal(1), z.literal(3)]),
    /** Order along the low-resolution axis when it is resampled separately: 0 or 1. */
    orderZ: z.union([z.literal(0), z.literal(1)]).default(0),
    /** null: nnU-Net's rule (spacing ratio above separateZThreshold); true/false forces it. */
    forceSeparateZ: z.boolean().nullable().default(null),
});
/**
 * nnU-Net v2's preprocessing and export geometry (resample_data_or_seg_to_shape): the CT is
 * reoriented exactly, read as [k, j, i], permuted by `transpose`, cropped to its nonzero box,
 * normalised, then resized by shape (new size = round(old spacing / spacing · old size)) in index
 * space; logits come back the same way and are uncropped (background outside the box).
 */
export const nnunetResamplingSchema = z.object({
    /** nnU-Net's transpose_forward over the [k, j, i] array axes. */
    transpose: z.tuple([z.number().int().min(0).max(2), z.number().int().min(0).max(2), z.number().int().min(0).max(2)]).refine((t) => new Set(t).size === 3, 'must be a permutation of 0, 1, 2'),
    cropToNonzero: z.boolean().default(true),
    data: resampleOrder,
    logits: resampleOrder,
    separateZThreshold: positive.default(3),
});
export const nnunetWindowsSchema = z.object({
    /** Window step as a fraction of the window (nnU-Net's tile_step_size). */
    step: z.number().gt(0).max(1),
    /** Peak of the gaussian importance map (nnU-Net: 10). */
    gaussianPeak: positive.default(10),
    /** float16: the importance map and the accumulators are rounded to float16 as nnU-Net does. */
    precision: z.enum(['float16', 'float32']).default('float16'),
});
export const mirrorSchema = z.object({
    axes: z.array(z.number().int().min(0).max(2)).min(1).refine((a) => new Set(a).size === a.length, 'axes must differ'),
    /** Whether segment mirrors when the caller does not say (--tta / --no-tta). */
    default: z.boolean(),
});
export const ensembleSchema = z.object({
    /** Member tensors, each produced by a part; blended separately, then averaged in this order. */
    members: z.array(name).min(1),
});
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
    /** This head's own intensity normalisation (nnU-Net datasets of one package); default preprocess.intensity. */
    intensity: intensitySchema.optional(),
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
    router: z
        .object({
        part: name,
        input: name,
        output: name,
        /**
         * What the router reads: absent or true, the L2-normalised embedding (the one similarity
         * uses); false, the text model's raw `text_embeds` (gCIS trained its routers on unnormalised
         * open_clip embeddings, and a Linear router with a bias is not scale-invariant).
         */
        normalize: z.boolean().optional(),
    })
        .optional(),
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
    /** What the task was learned from, in words (e.g. "synthetic CT phantoms"), shown by `uniseg pathways`. */
    trainedOn: z.string().min(1).optional(),
    /** What a user must know before trusting the task's masks (e.g. "fails on real abdomens"), shown with its results. */
    caution: z.string().min(1).optional(),
    /** This task's own postprocessing, over the package's (e.g. the largest component for one organ, not for both lungs). */
    postprocess: z
        .object({
        largestComponent: z.boolean().optional(),
        fillHoles: z.boolean().optional(),
    })
        .strict()
        .optional(),
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
        /** nnU-Net's geometry instead of world-space resampling: see nnunetResamplingSchema. */
        nnunet: nnunetResamplingSchema.optional(),
        /**
         * Where the model grid lies: "centred" on the CT's field of view with round(n · s / t) voxels
         * (src/volume/grid.ts spacingGrid), or MONAI Spacing's "first-voxel": round-half-even((n - 1) · s / t + 1)
         * voxels starting at the oriented CT's first voxel centre.
         */
        grid: z.enum(['centred', 'first-voxel']).default('centred'),
    }),
    inference: z.object({
        /** Window size in voxels along the oriented volume's i, j, k. */
        roi,
        overlap: z.number().min(0).lt(1).default(0.5),
        sigmaScale: positive.default(0.125),
        batchSize: positiveInt.default(1),
        /** Value the normalised image is padded with where it is smaller than roi. */
        padValue: z.number().default(0),
        /** nnU-Net's window placement, gaussian and float16 accumulation instead of MONAI's. */
        nnunet: nnunetWindowsSchema.optional(),
        /** Test-time mirroring: logits averaged over every non-empty subset of these tensor axes (0-2) and the plain pass. */
        mirror: mirrorSchema.optional(),
        /** "constant" pads with padValue; "replicate" repeats the edge voxels (MONAI padding_mode "replicate"). */
        padMode: z.enum(['constant', 'replicate']).default('constant'),
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
    /** Tensors that are the mean of other tensors' blended maps (folds of one network); tasks and heads may read them. */
    ensembles: z.record(name, ensembleSchema).default({}),
    tasks: z.array(taskSchema).min(1),
    prompting: promptingSchema.default({ minSimilarity: 0.8 }),
    /**
     * How overlapping prompts merge into one label map: where several are on, the one whose task or
     * label name comes first in `priority` wins; among unlisted ones, the highest probability.
     */
    merge: z.object({ priority: z.array(z.string().min(1)).default([]) }).default({ priority: [] }),
    /**
     * Where the package came from: a trimmed task package written by exportTask (for finetuning),
     * or a package converted from a foreign checkpoint (`uniseg convert`: the kind and every source
     * file with its SHA-256).
     */
    origin: z
        .union([
        z.object({ package: z.string(), prompt: z.string(), task: z.string(), pathway: z.array(positiveInt), head: z.string().optional() }),
        z.object({ kind: z.string().min(1), files: z.array(z.object({ path: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/) })).min(1) }),
    ])
        .optional(),
    /**
     * Written by the Python toolchain: how to rebuild the PyTorch modules behind the parts (network
     * config, part → module prefix) so `python3 -m uniseg_tools finetune` can continue training. Not read by the engine.
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
    for (const [ensembleName, ensemble] of Object.entries(m.ensembles)) {
        if (produced.has(ensembleName))
            issue(['ensembles', ensembleName], `ensemble "${ensembleName}" is also a part's output`);
        ensemble.members.forEach((t, i) => {
            if (!produced.has(t))
                issue(['ensembles', ensembleName, 'members', i], `no part produces "${t}"`);
        });
    }
    for (const ensembleName of Object.keys(m.ensembles))
        produced.add(ensembleName);
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
        const outputs = m.ensembles[head.output]?.members ?? [head.output];
        if (!head.parts.some((p) => outputs.some((t) => parts[p]?.outputs.includes(t)))) {
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
