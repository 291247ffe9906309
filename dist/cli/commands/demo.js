/**
 * `uniseg demo`: the whole path on a sample — generate a labelled phantom CT, segment it with the
 * demo package (or --model) for a few prompts, write masks and statistics into ./uniseg-demo/,
 * and print the Dice of each mask against the phantom's own labels.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_MODEL_DIR } from "../../models/default-model.js";
import { loadModel } from "../../models/package.js";
import { segmentWithModel } from "../../models/segment.js";
import { writeVolume } from "../../volume/nifti/index.js";
import { generatePhantom } from "../../volume/phantom/index.js";
import { dice, taskTruth } from "../../volume/phantom/truth.js";
import { parseInteger, parseTriple } from "../options.js";
import { selectionLogger, withLogOption } from "../log-option.js";
import { progressReporter } from "../progress.js";
import { segmentStatistics } from "./segment.js";
const DEFAULT_PROMPTS = ['liver', 'spleen', 'left kidney', 'right kidney'];
const ONE = new Set([1]);
const collect = (value, previous = []) => [...previous, value];
export function registerDemo(program) {
    withLogOption(program.command('demo'))
        .description('segment a generated sample CT with the demo package and report Dice against its labels')
        .option('-m, --model <dir>', 'model package directory', DEFAULT_MODEL_DIR)
        .option('--out <dir>', 'where to write the sample, masks and statistics', 'uniseg-demo')
        .option('-p, --prompt <text>', `prompt to segment (repeatable; default: ${DEFAULT_PROMPTS.join(', ')})`, collect)
        .option('--seed <n>', 'phantom seed', '4242')
        .option('--size <voxels>', 'phantom grid size', '128,128,96')
        .option('--spacing <mm>', 'phantom voxel size', '3,3,3')
        .addHelpText('after', '\nExamples:\n  $ npx uniseg demo\n  $ npx uniseg demo --prompt aorta --prompt "liver tumor" --seed 7 --out /tmp/demo')
        .action(async (flags) => {
        const out = resolve(flags.out);
        const prompts = flags.prompt ?? DEFAULT_PROMPTS;
        const seed = parseInteger('--seed', flags.seed, { min: 0 });
        const phantom = generatePhantom({ seed, shape: parseTriple('--size', flags.size, { integer: true }), spacing: parseTriple('--spacing', flags.spacing) });
        const model = await loadModel(flags.model);
        const progress = progressReporter('windows');
        let result;
        try {
            result = await segmentWithModel(model, phantom.ct, prompts, { onProgress: progress.update, logger: selectionLogger(flags.log) });
        }
        finally {
            progress.done();
            await model.close();
        }
        await mkdir(out, { recursive: true });
        await writeVolume(join(out, 'ct.nii.gz'), phantom.ct);
        await writeVolume(join(out, 'phantom-labels.nii.gz'), phantom.labels);
        await writeVolume(join(out, 'labels.nii.gz'), result.labelMap);
        const rows = [];
        for (const p of result.prompts) {
            await writeVolume(join(out, `${p.task}.nii.gz`), p.mask);
            // Truth as the demo is trained: organs include the tumours inside them.
            const truth = taskTruth(phantom.labels, Object.keys(p.labels));
            const score = dice(p.mask.data, truth, ONE);
            rows.push({ prompt: p.prompt, task: p.task, volume_ml: Math.round(p.volumeMl * 10) / 10, dice: Number.isNaN(score) ? null : Math.round(score * 1000) / 1000 });
        }
        await writeFile(join(out, 'statistics.json'), `${JSON.stringify({ ...segmentStatistics(phantom.ct, result), dice: rows }, null, 2)}\n`);
        process.stdout.write(`sample phantom (seed ${seed}) segmented in ${(result.timings.totalMs / 1000).toFixed(1)} s with ${model.manifest.name}\n\n`);
        for (const r of rows)
            process.stdout.write(`  ${r.prompt.padEnd(16)} ${String(r.volume_ml).padStart(8)} ml   Dice ${r.dice === null ? 'n/a' : r.dice.toFixed(3)}\n`);
        process.stdout.write(`\nfiles in ${out}: ct.nii.gz, phantom-labels.nii.gz, labels.nii.gz (merged), ${result.prompts.map((p) => `${p.task}.nii.gz`).join(', ')}, statistics.json\n`);
    });
}
