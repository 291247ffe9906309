import { UnisegError } from "../../errors.js";
import { wrapOnnx } from "../../models/wrap.js";
import { parseIntensity } from "../../volume/intensity.js";
import { parseInteger, parseOrientationOption, parseTriple } from "../options.js";
/** "1=liver,2=spleen" → value → name; values unique, names unique. */
export function parseLabels(text) {
    const labels = new Map();
    for (const item of text.split(',')) {
        const match = /^\s*(\d+)\s*=\s*([A-Za-z0-9_.-]+)\s*$/.exec(item);
        if (!match) {
            throw new UnisegError('INVALID_ARGUMENT', `--labels must look like 1=liver,2=spleen; "${item}" is not VALUE=NAME`, { field: '--labels', value: text });
        }
        const value = parseInteger('--labels', match[1], { min: 1, max: 65535 });
        if (labels.has(value) || [...labels.values()].includes(match[2])) {
            throw new UnisegError('INVALID_ARGUMENT', `--labels repeats "${item.trim()}"`, { field: '--labels', value: text });
        }
        labels.set(value, match[2]);
    }
    return labels;
}
function oneOf(flag, text, allowed) {
    if (!allowed.includes(text)) {
        throw new UnisegError('INVALID_ARGUMENT', `${flag} must be one of ${allowed.join(', ')}; got "${text}"`, { field: flag, value: text });
    }
    return text;
}
export function registerWrap(program) {
    program
        .command('wrap')
        .description('turn one ONNX segmentation network (image [1,1,D,H,W] → logits [1,C,D,H,W]) into a model package')
        .requiredOption('--onnx <file>', 'the network')
        .requiredOption('--roi <voxels>', 'window size the network takes, along the oriented i,j,k, e.g. 96,96,96')
        .requiredOption('--spacing <mm>', 'voxel size the network was trained at, e.g. 1.5,1.5,1.5')
        .option('--orientation <codes>', 'orientation the network was trained in', 'RAS')
        .option('--axes <order>', 'xyz (MONAI/nibabel) or zyx (nnU-Net/SimpleITK)', 'xyz')
        .option('--intensity <spec>', 'none | clip:LO,HI,OUTLO,OUTHI | zscore:MEAN,STD', 'none')
        .option('--activation <kind>', 'softmax (channel 0 = background) or sigmoid (label v = channel v-1)', 'softmax')
        .requiredOption('--labels <list>', 'label values and names, e.g. 1=liver,2=spleen')
        .requiredOption('-o, --output <dir>', 'new package directory (must not exist)')
        .option('--name <name>', 'package name (default: the directory name)')
        .addHelpText('after', `
Examples:
  $ uniseg wrap --onnx net.onnx --roi 96,96,96 --spacing 1.5,1.5,1.5 --orientation RAS --axes xyz \\
      --intensity clip:-175,250,0,1 --activation softmax --labels 1=liver,2=spleen -o my-model`)
        .action(async (flags) => {
        const roi = parseTriple('--roi', flags.roi, { integer: true });
        const intensity = parseIntensity(flags.intensity);
        if (intensity.kind === 'zscore' && intensity.mean === undefined) {
            throw new UnisegError('INVALID_ARGUMENT', '--intensity zscore needs fixed statistics in a package: zscore:MEAN,STD', { field: '--intensity', value: flags.intensity });
        }
        const { dir, manifest } = await wrapOnnx({
            onnx: flags.onnx,
            out: flags.output,
            roi,
            spacing: parseTriple('--spacing', flags.spacing),
            orientation: parseOrientationOption('--orientation', flags.orientation).join(''),
            axes: oneOf('--axes', flags.axes, ['xyz', 'zyx']),
            intensity: intensity.kind === 'clip' ? { ...intensity, clip: true } : intensity.kind === 'zscore' ? { kind: 'zscore', mean: intensity.mean, std: intensity.std } : { kind: 'none' },
            activation: oneOf('--activation', flags.activation, ['softmax', 'sigmoid']),
            labels: parseLabels(flags.labels),
            name: flags.name,
        });
        process.stdout.write(`wrote package ${dir} with tasks: ${manifest.tasks.map((t) => t.prompt).join(', ')}\n`);
    });
}
