import { DEFAULT_MODEL_DIR } from "../../models/default-model.js";
import { formatListing, listPathways } from "../../models/discovery.js";
import { loadModel } from "../../models/package.js";
import { resolvePrompt } from "../../models/routing.js";
import { selectionLogger, withLogOption } from "../log-option.js";
async function withModel(dir, use) {
    const model = await loadModel(dir, { threads: 1 });
    try {
        return await use(model);
    }
    finally {
        await model.close();
    }
}
export function registerPathways(program) {
    program
        .command('pathways')
        .description('list stages and their alternatives, which tasks use which, heads and their labels')
        .option('-m, --model <dir>', 'model package directory', DEFAULT_MODEL_DIR)
        .option('--json', 'print JSON')
        .addHelpText('after', '\nExamples:\n  $ uniseg pathways\n  $ uniseg pathways --model ./my-package --json')
        .action(async (flags) => {
        const listing = await withModel(flags.model, listPathways);
        process.stdout.write(flags.json ? `${JSON.stringify(listing, null, 2)}\n` : `${formatListing(listing)}\n`);
    });
    withLogOption(program
        .command('resolve')
        .description('show how a prompt is routed: task, route (pathway/head/fixed), pathway, similarity')
        .argument('<prompt>', 'the prompt, e.g. "left kidney"')
        .option('-m, --model <dir>', 'model package directory', DEFAULT_MODEL_DIR)
        .option('--json', 'print the resolvePrompt object as JSON'))
        .addHelpText('after', '\nExamples:\n  $ uniseg resolve "left kidney" --json\n  $ uniseg resolve "kidney (left)" --model ./my-package')
        .action(async (prompt, flags) => {
        const logger = selectionLogger(flags.log);
        const resolution = await withModel(flags.model, (model) => resolvePrompt(model, prompt, { logger }));
        if (flags.json) {
            process.stdout.write(`${JSON.stringify(resolution, null, 2)}\n`);
        }
        else {
            const where = resolution.route === 'pathway' ? `pathway ${resolution.pathway.join(',')}` : resolution.route === 'head' ? `head ${resolution.head}` : 'fixed';
            const why = resolution.similarity === null ? `by ${resolution.reason}` : `similarity ${resolution.similarity.toFixed(3)}${resolution.reason === 'similarity' ? '' : `; by ${resolution.reason}`}`;
            process.stdout.write(`"${prompt}" → task ${resolution.task}, ${where} (${why})\n`);
        }
    });
}
