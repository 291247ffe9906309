export const COMMAND_TABLE = [
    {
        name: 'info',
        description: 'print the geometry (shape, spacing, affine, orientation), datatype and value range of a NIfTI file or DICOM series',
        load: async () => (await import("./commands/info.js")).registerInfo,
    },
    {
        name: 'phantom',
        description: 'write a synthetic abdominal CT phantom (int16 HU) and optionally its label map (uint8)',
        load: async () => (await import("./commands/phantom.js")).registerPhantom,
    },
    {
        name: 'segment',
        description: 'segment a CT (.nii/.nii.gz, or a DICOM series folder or .zip) for one or more text prompts; masks lie on the CT grid',
        load: async () => (await import("./commands/segment.js")).registerSegment,
    },
    {
        name: 'wrap',
        description: 'turn one ONNX segmentation network (image [1,1,D,H,W] → logits [1,C,D,H,W]) into a model package',
        load: async () => (await import("./commands/wrap.js")).registerWrap,
    },
    {
        name: 'pathways',
        description: 'list stages and their alternatives, which tasks use which, heads and their labels',
        load: async () => (await import("./commands/pathways.js")).registerPathways,
    },
    {
        name: 'resolve',
        description: 'show how a prompt is routed: task, route (pathway/head/fixed), pathway, similarity',
        load: async () => (await import("./commands/pathways.js")).registerPathways,
    },
    {
        name: 'export',
        description: 'export the parts one prompt uses (encoder + its pathway, or its head) as a new package with a fixed route',
        load: async () => (await import("./commands/export.js")).registerExport,
    },
    {
        name: 'heads',
        description: 'list, add or remove clNet decoder heads of a package (other parts are never rewritten)',
        load: async () => (await import("./commands/heads.js")).registerHeads,
    },
    {
        name: 'demo',
        description: 'segment a generated sample CT with the demo package and report Dice against its labels',
        load: async () => (await import("./commands/demo.js")).registerDemo,
    },
    {
        name: 'serve',
        description: 'run the HTTP service: POST /segment, POST /volumes, GET /segment, /pathways, /resolve, /health',
        load: async () => (await import("./commands/serve.js")).registerServe,
    },
    {
        name: 'batch',
        description: 'segment many CTs (files, folders, CSV/JSONL manifests) into OUT/<id>/, resumable; on this machine or through a Redis queue',
        load: async () => (await import("./commands/batch.js")).registerBatch,
    },
    {
        name: 'worker',
        description: 'take `uniseg batch --queue` jobs for this model package from Redis and write their case folders',
        load: async () => (await import("./commands/worker.js")).registerWorker,
    },
    {
        name: 'convert',
        description: 'convert a foreign checkpoint (monai, monai-bundle, gcis, clnet, nnunet) into a model package',
        load: async () => (await import("./commands/convert.js")).registerConvert,
    },
    {
        name: 'verify',
        description: "run a package's network on a network-space tensor and compare with the original code's output",
        load: async () => (await import("./commands/verify.js")).registerVerify,
    },
    {
        name: 'preview',
        description: 'draw masks over their CT: axial, coronal and sagittal slices through each mask centre, with a legend (PNG)',
        load: async () => (await import("./commands/preview.js")).registerPreview,
    },
];
/** The subcommand an argument list runs (`help NAME` included), or undefined. */
export function commandNameOf(args) {
    const words = args.filter((a) => !a.startsWith('-'));
    return words[0] === 'help' ? words[1] : words[0];
}
