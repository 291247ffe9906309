/**
 * `uniseg segment CT --prompt P [--prompt P ...]`: segment a CT with a model package and write
 * either one file (-o: the mask for one prompt, the merged label map for several) or one mask per
 * prompt (--output-dir), all on the CT's own grid; optionally statistics.json beside them.
 * With --output-type dicom-seg or rtstruct, -o is one DICOM SEG or RT Structure Set referencing
 * the source series (the CT must have been read from DICOM).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { UnisegError } from '../../errors.ts';
import { DEFAULT_MODEL_DIR } from '../../models/default-model.ts';
import { loadModel } from '../../models/package.ts';
import { modelProvenance } from '../../models/provenance.ts';
import { DICOM_OUTPUT_TYPES, requireDicomSource, writeDicomSeg, writeRtstruct, type DicomOutputType } from '../../volume/dicom-out/index.ts';
import { segmentWithModel, type SegmentResult } from '../../models/segment.ts';
import { promptRows, routeLabel, roundedTimings } from '../../server/report.ts';
import { maskFileNames, segmentStatistics, STATISTICS_JSON } from '../../segment-outputs.ts';
import { writeFrames, writeVolume } from '../../volume/nifti/index.ts';
import { readVolume } from '../../volume/read.ts';
import { writePreview } from '../../preview/index.ts';
import { parsePngPath } from './preview.ts';
import { parseInteger, parseNiftiPath, parseNumber } from '../options.ts';
import { allocatorRuntime } from '../runtime.ts';
import { selectionLogger, withLogOption } from '../log-option.ts';
import { progressReporter } from '../progress.ts';
import { reportSeries, SERIES_HELP, seriesOption } from '../series-option.ts';

/** Shared with `uniseg batch` (src/segment-outputs.ts); re-exported for the commands that import them from here. */
export { segmentStatistics, STATISTICS_JSON };

interface SegmentFlags {
  prompt?: string[];
  roiSubset?: string;
  model?: string;
  output?: string;
  outputDir?: string;
  outputType?: string;
  probabilities?: string;
  preview?: string;
  statistics?: boolean;
  overlap?: string;
  threads?: string;
  tta?: boolean;
  json?: boolean;
  log?: string | boolean;
  series?: string;
  exact?: boolean;
  skipAir?: boolean;
  locate?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export interface SegmentOutputs {
  /** -o: the one file written. */
  mask?: string;
  /** --output-dir: the file written for each prompt. */
  masks?: Record<string, string>;
  /** --output-type dicom-seg / rtstruct: the DICOM file written (-o). */
  dicomSeg?: string;
  rtstruct?: string;
  probabilities?: string;
  statistics?: string;
  preview?: string;
}

export function segmentReport(result: SegmentResult, outputs: SegmentOutputs): object {
  return {
    prompts: promptRows(result, outputs.mask !== undefined && result.prompts.length > 1),
    contested: result.contested,
    windows: result.windows,
    schedule: result.schedule,
    timings: roundedTimings({ ...result.timings }),
    runtime: allocatorRuntime(),
    outputs,
  };
}

/** --prompt values first, then --roi-subset's comma-separated names. */
function promptList(flags: SegmentFlags): string[] {
  const subset = flags.roiSubset === undefined ? [] : flags.roiSubset.split(',').map((s) => s.trim());
  if (subset.some((s) => s === '')) {
    throw new UnisegError('INVALID_ARGUMENT', `--roi-subset must be names separated by commas, e.g. liver,spleen,kidney_left; got "${flags.roiSubset}"`, {
      field: '--roi-subset',
      value: flags.roiSubset,
    });
  }
  const prompts = [...(flags.prompt ?? []), ...subset];
  if (prompts.length === 0) {
    throw new UnisegError('INVALID_ARGUMENT', 'give at least one --prompt (e.g. --prompt "left kidney") or --roi-subset (e.g. --roi-subset liver,spleen)', { field: '--prompt' });
  }
  return prompts;
}

type OutputType = 'nifti' | DicomOutputType;
const OUTPUT_TYPES: readonly OutputType[] = ['nifti', ...DICOM_OUTPUT_TYPES];

function parseOutputType(value: string): OutputType {
  const type = OUTPUT_TYPES.find((t) => t === value);
  if (!type) throw new UnisegError('INVALID_ARGUMENT', `--output-type must be one of ${OUTPUT_TYPES.join(', ')}; got "${value}"`, { field: '--output-type', value });
  return type;
}

export function registerSegment(program: Command): void {
  withLogOption(program.command('segment'))
    .description('segment a CT (.nii/.nii.gz, or a DICOM series folder or .zip) for one or more text prompts; masks lie on the CT grid')
    .argument('<ct>', 'input CT: .nii or .nii.gz, or a DICOM series (a folder, nested folders allowed, or a .zip)')
    .option('--series <uid>', SERIES_HELP)
    .option('-p, --prompt <text>', 'what to segment, e.g. "left kidney" (repeatable)', collect)
    .option('--roi-subset <names>', 'several prompts at once, separated by commas, e.g. liver,spleen,kidney_left')
    .option('-m, --model <dir>', 'model package directory', DEFAULT_MODEL_DIR)
    .option('-o, --output <file>', 'one file: the mask (one prompt) or the merged label map (value i = i-th prompt), .nii or .nii.gz')
    .option('--output-dir <dir>', 'one <task>.nii.gz mask per prompt in this directory (created if missing)')
    .option('--output-type <type>', `what -o holds: ${OUTPUT_TYPES.join(', ')} (DICOM types need a CT read from a DICOM series)`, 'nifti')
    .option('--probabilities <file>', 'also write float32 probabilities, 4D with one volume per prompt')
    .option('--preview <file>', 'also write a picture (.png): slices through each mask centre with a legend')
    .option('--statistics', `also write ${STATISTICS_JSON} beside the output: per prompt voxels, volume_ml, mean_hu, std_hu`)
    .option('--overlap <fraction>', 'sliding-window overlap in [0, 1) (default: the model\'s)')
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)')
    .option('--tta', 'test-time mirroring on (packages that declare it, e.g. nnU-Net; default: the package\'s)')
    .option('--no-tta', 'test-time mirroring off')
    .option('--exact', 'run every window of the grid for every prompt (MONAI semantics; no air skipping, no locating)')
    .option('--no-skip-air', 'also run windows that hold only air (below -900 HU)')
    .option('--locate', 'locate each prompt with a coarse pass, then segment only around it (default: the package decides)')
    .option('--no-locate', 'run the windows of the whole body for every prompt')
    .option('--json', 'print a JSON report (prompts, voxels, volume_ml, route, schedule, timings, runtime, outputs) on stdout')
    .addHelpText('after', `
Exactly one of -o and --output-dir is required.

The default model (models/demo) is a research demonstration, not a clinical device: its seven
head-and-neck organs were learned from real planning CTs (OpenKBP), its abdominal tasks from
synthetic phantoms only (they fail on real scans). \`uniseg pathways\` says what each task was
trained on; models/demo/README.md what it scores.

Examples:
  $ uniseg segment head_neck_ct.nii.gz --prompt "left parotid" -p mandible -o oars.nii.gz
  $ uniseg segment ct.nii.gz --prompt "left kidney" -o kidney.nii.gz
  $ uniseg segment ct.nii.gz -p liver -p spleen -o labels.nii.gz --probabilities probs.nii.gz --json
  $ uniseg segment SERIES_DIR -p liver -p spleen --output-type dicom-seg -o seg.dcm
  $ uniseg segment SERIES_DIR --roi-subset brainstem,spinal_cord --output-type rtstruct -o rt.dcm
  $ uniseg segment ct.nii.gz --roi-subset liver,spleen,kidney_left --output-dir masks --statistics
  $ uniseg segment ct.nii.gz -p liver --model ./my-package -o liver.nii.gz
  $ uniseg segment ./dicom/ct-series -p liver -o liver.nii.gz
  $ uniseg segment study.zip --series 1.2.840.113619.2.55.3.1 -p spleen -o spleen.nii.gz`)
    .action(async (ctPath: string, flags: SegmentFlags) => {
      // Every flag is checked before any work, so a usage error never leaves a partial result.
      const prompts = promptList(flags);
      if ((flags.output === undefined) === (flags.outputDir === undefined)) {
        throw new UnisegError('INVALID_ARGUMENT', 'give exactly one of -o FILE (one label map) and --output-dir DIR (one mask per prompt)', { field: '--output' });
      }
      const outputType = parseOutputType(flags.outputType!);
      if (outputType !== 'nifti' && flags.output === undefined) {
        throw new UnisegError('INVALID_ARGUMENT', `--output-type ${outputType} writes one DICOM file: give -o FILE (e.g. -o ${outputType === 'rtstruct' ? 'rt' : 'seg'}.dcm), not --output-dir`, { field: '--output-type' });
      }
      const output = flags.output === undefined || outputType !== 'nifti' ? flags.output : parseNiftiPath('--output', flags.output);
      const probabilities = flags.probabilities === undefined ? undefined : parseNiftiPath('--probabilities', flags.probabilities);
      const preview = flags.preview === undefined ? undefined : parsePngPath('--preview', flags.preview);
      const overlap = flags.overlap === undefined ? undefined : parseNumber('--overlap', flags.overlap, { min: 0, max: 0.99 });
      const threads = flags.threads === undefined ? undefined : parseInteger('--threads', flags.threads, { min: 1, max: 256 });

      const ct = await readVolume(ctPath, seriesOption(flags.series));
      reportSeries(ct);
      // Refused before the model runs: a DICOM output needs the source series to reference.
      if (outputType !== 'nifti') requireDicomSource(ct, outputType);
      const model = await loadModel(flags.model!, threads === undefined ? {} : { threads });
      const progress = progressReporter('windows');
      let result: SegmentResult;
      try {
        result = await segmentWithModel(model, ct, prompts, {
          overlap,
          probabilities: probabilities !== undefined,
          tta: flags.tta,
          onProgress: progress.update,
          logger: selectionLogger(flags.log),
          exact: flags.exact,
          skipAir: flags.skipAir,
          locate: flags.locate,
        });
      } finally {
        progress.done();
        await model.close();
      }

      const outputs: SegmentOutputs = {};
      if (outputType !== 'nifti') {
        const options = { provenance: await modelProvenance(model) };
        if (outputType === 'dicom-seg') {
          await writeDicomSeg(output!, ct, result.prompts, options);
          outputs.dicomSeg = output;
        } else {
          await writeRtstruct(output!, ct, result.prompts, options);
          outputs.rtstruct = output;
        }
      } else if (output !== undefined) {
        await writeVolume(output, result.prompts.length === 1 ? result.prompts[0].mask : result.labelMap);
        outputs.mask = output;
      } else {
        await mkdir(flags.outputDir!, { recursive: true });
        const files = maskFileNames(result).map((name) => join(flags.outputDir!, name));
        outputs.masks = {};
        for (const [i, p] of result.prompts.entries()) {
          await writeVolume(files[i], p.mask);
          outputs.masks[p.prompt] = files[i];
        }
      }
      if (probabilities) {
        await writeFrames(probabilities, result.prompts.map((p) => p.probabilities!), { datatype: 'float32' });
        outputs.probabilities = probabilities;
      }
      if (flags.statistics) {
        const file = join(output === undefined ? flags.outputDir! : dirname(output), STATISTICS_JSON);
        await writeFile(file, `${JSON.stringify(segmentStatistics(ct, result), null, 2)}\n`);
        outputs.statistics = file;
      }

      if (preview) {
        await writePreview(preview, ct, result.prompts.map((p) => ({ name: p.prompt, mask: p.mask })));
        outputs.preview = preview;
      }

      if (flags.json) {
        process.stdout.write(`${JSON.stringify(segmentReport(result, outputs), null, 2)}\n`);
      } else {
        for (const p of result.prompts) {
          process.stdout.write(`${p.prompt}: ${p.voxels} voxels, ${p.volumeMl.toFixed(1)} ml (task ${p.task}, ${routeLabel(p.route)})\n`);
        }
        const written = [outputs.mask, ...Object.values(outputs.masks ?? {}), outputs.dicomSeg, outputs.rtstruct, outputs.probabilities, outputs.statistics, outputs.preview].filter((f) => f !== undefined);
        process.stdout.write(`wrote ${written.join(', ')} in ${(result.timings.totalMs / 1000).toFixed(1)} s\n`);
      }
    });
}
