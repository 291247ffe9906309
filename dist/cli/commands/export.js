import { DEFAULT_MODEL_DIR } from "../../models/default-model.js";
import { exportTask } from "../../models/export.js";
import { loadModel } from "../../models/package.js";
export function registerExport(program) {
    program
        .command('export')
        .description('export the parts one prompt uses (encoder + its pathway, or its head) as a new package with a fixed route')
        .requiredOption('-p, --prompt <text>', 'the task to export, e.g. "liver tumor"')
        .option('-m, --model <dir>', 'model package directory', DEFAULT_MODEL_DIR)
        .requiredOption('-o, --output <dir>', 'new package directory (must not exist)')
        .option('--json', 'print the export report as JSON')
        .addHelpText('after', '\nExamples:\n  $ uniseg export --prompt "liver tumor" -o liver-tumor\n  $ uniseg export -p "left kidney" --model ./my-package -o kidney --json')
        .action(async (flags) => {
        const model = await loadModel(flags.model, { threads: 1 });
        try {
            const report = await exportTask(model, flags.prompt, flags.output);
            if (flags.json)
                process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
            else {
                const how = report.route.kind === 'pathway' ? `pathway ${report.route.pathway.join(',')}` : report.route.kind === 'head' ? `head ${report.route.head}` : 'fixed';
                process.stdout.write(`exported task ${report.task} (${how}) to ${report.dir}: ${report.parts.length} parts, ${(report.bytes / 1e6).toFixed(2)} MB = ${(100 * report.ratio).toFixed(1)} % of the full package\n`);
            }
        }
        finally {
            await model.close();
        }
    });
}
