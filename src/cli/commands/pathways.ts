/** `uniseg pathways` and `uniseg resolve`: what a package can do, and where one prompt goes. */
import type { Command } from 'commander';
import { DEFAULT_MODEL_DIR } from '../../models/default-model.ts';
import { formatListing, listPathways } from '../../models/discovery.ts';
import { loadModel, type Model } from '../../models/package.ts';
import { resolvePrompt } from '../../models/routing.ts';
import { selectionLogger, withLogOption } from '../log-option.ts';

async function withModel<T>(dir: string, use: (model: Model) => Promise<T>): Promise<T> {
  const model = await loadModel(dir, { threads: 1 });
  try {
    return await use(model);
  } finally {
    await model.close();
  }
}

export function registerPathways(program: Command): void {
  program
    .command('pathways')
    .description('list stages and their alternatives, which tasks use which, heads and their labels')
    .option('-m, --model <dir>', 'model package directory', DEFAULT_MODEL_DIR)
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ uniseg pathways\n  $ uniseg pathways --model ./my-package --json')
    .action(async (flags: { model: string; json?: boolean }) => {
      const listing = await withModel(flags.model, listPathways);
      process.stdout.write(flags.json ? `${JSON.stringify(listing, null, 2)}\n` : `${formatListing(listing)}\n`);
    });

  withLogOption(
    program
      .command('resolve')
      .description('show how a prompt is routed: task, route (pathway/head/fixed), pathway, similarity')
      .argument('<prompt>', 'the prompt, e.g. "left kidney"')
      .option('-m, --model <dir>', 'model package directory', DEFAULT_MODEL_DIR)
      .option('--json', 'print the resolvePrompt object as JSON'),
  )
    .addHelpText('after', '\nExamples:\n  $ uniseg resolve "left kidney" --json\n  $ uniseg resolve "kidney (left)" --model ./my-package')
    .action(async (prompt: string, flags: { model: string; json?: boolean; log?: string | boolean }) => {
      const logger = selectionLogger(flags.log);
      const resolution = await withModel(flags.model, (model) => resolvePrompt(model, prompt, { logger }));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(resolution, null, 2)}\n`);
      } else {
        const where = resolution.route === 'pathway' ? `pathway ${resolution.pathway.join(',')}` : resolution.route === 'head' ? `head ${resolution.head}` : 'fixed';
        const why = resolution.similarity === null ? `by ${resolution.reason}` : `similarity ${resolution.similarity.toFixed(3)}${resolution.reason === 'similarity' ? '' : `; by ${resolution.reason}`}`;
        process.stdout.write(`"${prompt}" → task ${resolution.task}, ${where} (${why})\n`);
      }
    });
}
