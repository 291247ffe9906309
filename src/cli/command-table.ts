/**
 * Every subcommand by name, with the one-line description `uniseg --help` lists, and how to load
 * the module that registers it. main.ts loads only the module of the command being run, so
 * `uniseg --help` and `uniseg info` never import ONNX Runtime, the text encoder or the server.
 * A test checks this table against the registered commands (commands/index.ts).
 */
import type { RegisterCommand } from './commands/index.ts';

export interface LazyCommand {
  readonly name: string;
  readonly description: string;
  readonly load: () => Promise<RegisterCommand>;
}

export const COMMAND_TABLE: readonly LazyCommand[] = [
  {
    name: 'info',
    description: 'print the geometry (shape, spacing, affine, orientation), datatype and value range of a NIfTI file or DICOM series',
    load: async () => (await import('./commands/info.ts')).registerInfo,
  },
  {
    name: 'phantom',
    description: 'write a synthetic abdominal CT phantom (int16 HU) and optionally its label map (uint8)',
    load: async () => (await import('./commands/phantom.ts')).registerPhantom,
  },
  {
    name: 'segment',
    description: 'segment a CT (.nii/.nii.gz, or a DICOM series folder or .zip) for one or more text prompts; masks lie on the CT grid',
    load: async () => (await import('./commands/segment.ts')).registerSegment,
  },
  {
    name: 'wrap',
    description: 'turn one ONNX segmentation network (image [1,1,D,H,W] → logits [1,C,D,H,W]) into a model package',
    load: async () => (await import('./commands/wrap.ts')).registerWrap,
  },
  {
    name: 'pathways',
    description: 'list stages and their alternatives, which tasks use which, heads and their labels',
    load: async () => (await import('./commands/pathways.ts')).registerPathways,
  },
  {
    name: 'resolve',
    description: 'show how a prompt is routed: task, route (pathway/head/fixed), pathway, similarity',
    load: async () => (await import('./commands/pathways.ts')).registerPathways,
  },
  {
    name: 'export',
    description: 'export the parts one prompt uses (encoder + its pathway, or its head) as a new package with a fixed route',
    load: async () => (await import('./commands/export.ts')).registerExport,
  },
  {
    name: 'heads',
    description: 'list, add or remove clNet decoder heads of a package (other parts are never rewritten)',
    load: async () => (await import('./commands/heads.ts')).registerHeads,
  },
  {
    name: 'demo',
    description: 'segment a generated sample CT with the demo package and report Dice against its labels',
    load: async () => (await import('./commands/demo.ts')).registerDemo,
  },
  {
    name: 'serve',
    description: 'run the HTTP service: POST /segment, POST /volumes, GET /segment, /pathways, /resolve, /health',
    load: async () => (await import('./commands/serve.ts')).registerServe,
  },
  {
    name: 'batch',
    description: 'segment many CTs (files, folders, CSV/JSONL manifests) into OUT/<id>/, resumable; on this machine or through a Redis queue',
    load: async () => (await import('./commands/batch.ts')).registerBatch,
  },
  {
    name: 'worker',
    description: 'take `uniseg batch --queue` jobs for this model package from Redis and write their case folders',
    load: async () => (await import('./commands/worker.ts')).registerWorker,
  },
  {
    name: 'convert',
    description: 'convert a foreign checkpoint (monai, monai-bundle, gcis, clnet, nnunet) into a model package',
    load: async () => (await import('./commands/convert.ts')).registerConvert,
  },
  {
    name: 'verify',
    description: "run a package's network on a network-space tensor and compare with the original code's output",
    load: async () => (await import('./commands/verify.ts')).registerVerify,
  },
  {
    name: 'preview',
    description: 'draw masks over their CT: axial, coronal and sagittal slices through each mask centre, with a legend (PNG)',
    load: async () => (await import('./commands/preview.ts')).registerPreview,
  },
];

/** The subcommand an argument list runs (`help NAME` included), or undefined. */
export function commandNameOf(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}
