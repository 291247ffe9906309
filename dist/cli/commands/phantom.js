/**
 * `uniseg phantom`: writes a synthetic abdominal CT and, optionally, its label map plus a
 * labels.json (value → name) beside it — test and demo input with exact ground truth.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeVolume } from "../../volume/nifti/index.js";
import { generatePhantom } from "../../volume/phantom/index.js";
import { parseInteger, parseNiftiPath, parseOrientationOption, parseTriple } from "../options.js";
/** The label table's file name; fixed so tools can find it next to any label map. */
export const LABELS_JSON = 'labels.json';
export function registerPhantom(program) {
    program
        .command('phantom')
        .description('write a synthetic abdominal CT phantom (int16 HU) and optionally its label map (uint8)')
        .requiredOption('-o, --output <file>', 'CT output, .nii or .nii.gz')
        .option('--labels <file>', `label map output, .nii or .nii.gz; ${LABELS_JSON} (value → name) is written beside it`)
        .option('--seed <n>', 'random seed (integer); one seed gives identical files', '0')
        .option('--spacing <mm>', 'voxel size along i,j,k in mm', '3,3,3')
        .option('--size <voxels>', 'grid size along i,j,k', '128,128,128')
        .option('--orientation <codes>', 'axis codes of the file grid, e.g. RAS or LPS', 'RAS')
        .addHelpText('after', '\nExamples:\n  $ uniseg phantom -o ct.nii.gz --labels labels.nii.gz\n  $ uniseg phantom -o ct.nii.gz --labels labels.nii.gz --seed 7 --spacing 2.5,2.5,4 --orientation LPS --size 160,160,90')
        .action(async (flags) => {
        // Parse everything before doing any work, so a bad flag never leaves a partial result.
        const output = parseNiftiPath('--output', flags.output);
        const labelsPath = flags.labels === undefined ? undefined : parseNiftiPath('--labels', flags.labels);
        const seed = parseInteger('--seed', flags.seed);
        const spacing = parseTriple('--spacing', flags.spacing);
        const shape = parseTriple('--size', flags.size, { integer: true });
        const orientation = parseOrientationOption('--orientation', flags.orientation);
        const phantom = generatePhantom({ seed, shape, spacing, orientation });
        await writeVolume(output, phantom.ct, { datatype: 'int16' });
        const lines = [`wrote ${output} (${shape.join('x')} int16 HU, ${spacing.join('x')} mm, ${orientation.join('')}, seed ${seed})`];
        if (labelsPath !== undefined) {
            await writeVolume(labelsPath, phantom.labels, { datatype: 'uint8' });
            const jsonPath = join(dirname(labelsPath), LABELS_JSON);
            await writeTextAtomic(jsonPath, `${JSON.stringify(phantom.labelNames, null, 2)}\n`);
            lines.push(`wrote ${labelsPath} (uint8 labels) and ${jsonPath}`);
        }
        const tumours = phantom.tumours.map((t) => `${t.label} ${t.diameterMm.toFixed(0)} mm`);
        lines.push(`tumours: ${tumours.length ? tumours.join(', ') : 'none'}`);
        process.stdout.write(`${lines.join('\n')}\n`);
    });
}
/** Temp file + rename, like writeVolume: readers never see half a file. */
async function writeTextAtomic(path, text) {
    const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
        await writeFile(temp, text, { flag: 'wx' });
        await rename(temp, path);
    }
    catch (error) {
        await rm(temp, { force: true }).catch(() => undefined);
        throw error;
    }
}
