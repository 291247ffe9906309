import { UnisegError } from "../../errors.js";
import { compareTensors, runNetwork } from "../../models/network-run.js";
import { readNpy } from "../../models/npy.js";
import { loadModel } from "../../models/package.js";
import { parseInteger } from "../options.js";
export function registerVerify(program) {
    program
        .command('verify')
        .description("run a package's network on a network-space tensor and compare with the original code's output")
        .argument('<package>', 'model package directory')
        .requiredOption('--input <npy>', 'network input, float32 [N, 1, D, H, W] or [D, H, W], already preprocessed')
        .requiredOption('--expect <npy>', "the original network's raw output (logits) for that input")
        .option('--prompt <text>', 'run the network this prompt routes to')
        .option('--head <name>', 'run one head (and its supporting heads)')
        .option('--fold <k>', 'run one fold of an ensemble, e.g. nnU-Net fold 0 (with --prompt/--head: of that network; default: the ensemble as the package combines it)')
        .option('--tolerance <t>', 'exit 1 when max |difference| is above this')
        .option('--json', 'print JSON')
        .addHelpText('after', `
Examples:
  $ uniseg verify ./converted --input input.npy --expect output.npy
  $ uniseg verify ./clnet-pkg --input x.npy --expect organs.npy --head Organs --json`)
        .action(async (dir, flags) => {
        // --fold picks a fold of the network that --prompt or --head chooses (or of the only one).
        if (flags.prompt !== undefined && flags.head !== undefined)
            throw new UnisegError('INVALID_ARGUMENT', 'use at most one of --prompt and --head', { ...flags });
        const tolerance = flags.tolerance === undefined ? undefined : Number(flags.tolerance);
        if (tolerance !== undefined && !(tolerance >= 0)) {
            throw new UnisegError('INVALID_ARGUMENT', `--tolerance must be a number >= 0; got "${flags.tolerance}"`, { field: '--tolerance', value: flags.tolerance });
        }
        const fold = flags.fold === undefined ? undefined : parseInteger('--fold', flags.fold, { min: 0 });
        const [input, expected] = await Promise.all([readNpy(flags.input), readNpy(flags.expect)]);
        const model = await loadModel(dir);
        try {
            const run = await runNetwork(model, input, { prompt: flags.prompt, head: flags.head, fold });
            const c = compareTensors(run.output, expected);
            const report = { maxAbsDiff: c.maxAbsDiff, meanAbsDiff: c.meanAbsDiff, maxAbsExpected: c.maxAbsExpected, shape: c.shape, inputShape: input.dims, output: run.tensor, ran: run.ran };
            if (flags.json)
                process.stdout.write(`${JSON.stringify(report)}\n`);
            else {
                process.stdout.write(`${run.ran}: output ${run.tensor} [${c.shape.join(', ')}]\nmax |difference| ${c.maxAbsDiff.toExponential(3)} (mean ${c.meanAbsDiff.toExponential(3)}, max |expected| ${c.maxAbsExpected.toPrecision(4)})\n`);
            }
            if (tolerance !== undefined && !(c.maxAbsDiff <= tolerance)) {
                process.stderr.write(`uniseg: verify: max |difference| ${c.maxAbsDiff.toExponential(3)} is above --tolerance ${tolerance}\n`);
                process.exitCode = 1;
            }
        }
        finally {
            await model.close();
        }
    });
}
