/**
 * `uniseg segment CT --prompt P [--prompt P ...]`: segment a CT with a model package and write
 * the mask (one prompt) or the merged label map (several) on the CT's own grid.
 */
import type { Command } from 'commander';
import { UnisegError } from '../../errors.ts';
import { DEFAULT_MODEL_DIR } from '../../models/default-model.ts';
import { loadModel } from '../../models/package.ts';
import { segmentWithModel, type SegmentResult } from '../../models/segment.ts';
import { readVolume, writeFrames, writeVolume } from '../../volume/nifti/index.ts';
import { parseInteger, parseNiftiPath, parseNumber } from '../options.ts';
import { selectionLogger, withLogOption } from '../log-option.ts';
import { progressReporter } from '../progress.ts';

interface SegmentFlags {
  prompt?: string[];
  model?: string;
  output?: string;
  probabilities?: string;
  overlap?: string;
  threads?: string;
  json?: boolean;
  log?: string | boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function segmentReport(result: SegmentResult, outputs: Record<string, string>): object {
  return {
    prompts: result.prompts.map((p, i) => ({
      prompt: p.prompt,
      task: p.task,
      label: result.prompts.length > 1 ? i + 1 : Math.max(...Object.values(p.labels)),
      labels: p.labels,
      voxels: p.voxels,
      volume_ml: Math.round(p.volumeMl * 1000) / 1000,
      route: p.route,
    })),
    contested: result.contested,
    windows: result.windows,
    timings: Object.fromEntries(Object.entries(result.timings).map(([k, v]) => [k, Math.round(v)])),
    outputs,
  };
}

export function registerSegment(program: Command): void {
  withLogOption(program.command('segment'))
    .description('segment a CT (.nii/.nii.gz) for one or more text prompts; masks lie on the CT grid')
    .argument('<ct>', 'input CT, .nii or .nii.gz')
    .option('-p, --prompt <text>', 'what to segment, e.g. "left kidney" (repeatable)', collect)
    .option('-m, --model <dir>', 'model package directory', DEFAULT_MODEL_DIR)
    .requiredOption('-o, --output <file>', 'mask (one prompt) or merged label map (value i = i-th prompt), .nii or .nii.gz')
    .option('--probabilities <file>', 'also write float32 probabilities, 4D with one volume per prompt')
    .option('--overlap <fraction>', 'sliding-window overlap in [0, 1) (default: the model\'s)')
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)')
    .option('--json', 'print a JSON report (prompts, voxels, volume_ml, route, timings) on stdout')
    .addHelpText('after', `
Examples:
  $ uniseg segment ct.nii.gz --prompt "left kidney" -o kidney.nii.gz
  $ uniseg segment ct.nii.gz -p liver -p spleen -o labels.nii.gz --probabilities probs.nii.gz --json
  $ uniseg segment ct.nii.gz -p liver --model ./my-package -o liver.nii.gz`)
    .action(async (ctPath: string, flags: SegmentFlags) => {
      const prompts = flags.prompt ?? [];
      if (prompts.length === 0) {
        throw new UnisegError('INVALID_ARGUMENT', 'give at least one --prompt, e.g. --prompt "left kidney"', { field: '--prompt' });
      }
      const output = parseNiftiPath('--output', flags.output!);
      const probabilities = flags.probabilities === undefined ? undefined : parseNiftiPath('--probabilities', flags.probabilities);
      const overlap = flags.overlap === undefined ? undefined : parseNumber('--overlap', flags.overlap, { min: 0, max: 0.99 });
      const threads = flags.threads === undefined ? undefined : parseInteger('--threads', flags.threads, { min: 1, max: 256 });

      const ct = await readVolume(ctPath);
      const model = await loadModel(flags.model!, threads === undefined ? {} : { threads });
      const progress = progressReporter('windows');
      let result: SegmentResult;
      try {
        result = await segmentWithModel(model, ct, prompts, {
          overlap,
          probabilities: probabilities !== undefined,
          onProgress: progress.update,
          logger: selectionLogger(flags.log),
        });
      } finally {
        progress.done();
        await model.close();
      }
      const labelMap = result.prompts.length === 1 ? result.prompts[0].mask : result.labelMap;
      await writeVolume(output, labelMap);
      const outputs: Record<string, string> = { mask: output };
      if (probabilities) {
        await writeFrames(probabilities, result.prompts.map((p) => p.probabilities!), { datatype: 'float32' });
        outputs.probabilities = probabilities;
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(segmentReport(result, outputs), null, 2)}\n`);
      } else {
        for (const p of result.prompts) {
          const route = p.route.kind === 'pathway' ? `pathway ${p.route.pathway.join(',')}` : p.route.kind === 'head' ? `head ${p.route.head}` : 'fixed';
          process.stdout.write(`${p.prompt}: ${p.voxels} voxels, ${p.volumeMl.toFixed(1)} ml (task ${p.task}, ${route})\n`);
        }
        process.stdout.write(`wrote ${Object.values(outputs).join(', ')} in ${(result.timings.totalMs / 1000).toFixed(1)} s\n`);
      }
    });
}
