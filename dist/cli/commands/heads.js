import { UnisegError } from "../../errors.js";
import { DEFAULT_MODEL_DIR } from "../../models/default-model.js";
import { addHead, listHeads, removeHead } from "../../models/heads.js";
import { parseInteger } from "../options.js";
import { parseLabels } from "./wrap.js";
const list = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);
export function registerHeads(program) {
    const heads = program.command('heads').description('list, add or remove clNet decoder heads of a package (other parts are never rewritten)');
    heads
        .command('list')
        .option('-m, --model <dir>', 'model package directory', DEFAULT_MODEL_DIR)
        .option('--json', 'print JSON')
        .addHelpText('after', '\nExamples:\n  $ uniseg heads list --model ./my-package')
        .action(async (flags) => {
        const info = await listHeads(flags.model);
        if (flags.json)
            process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        else
            for (const h of info)
                process.stdout.write(`${h.name}: ${Object.keys(h.labels).join(', ')}${h.supporting.length ? ` (supported by ${h.supporting.join(', ')})` : ''}; tasks ${h.tasks.join(', ') || '-'}\n`);
    });
    heads
        .command('add')
        .requiredOption('--name <name>', 'head name, e.g. Gallbladder')
        .requiredOption('--onnx <file>', 'the head network (takes shared tensors, outputs logits [N, C, ...])')
        .requiredOption('--labels <list>', 'channel and label names, e.g. 1=gallbladder')
        .option('-m, --model <dir>', 'model package directory', DEFAULT_MODEL_DIR)
        .option('--inputs <tensors>', 'tensors the head reads (default: the ONNX input names)')
        .option('--supporting <heads>', 'heads whose outputs this head reads')
        .option('--activation <kind>', 'softmax or sigmoid', 'softmax')
        .option('--pathway <list>', 'stage alternatives the head reads, 1-based, e.g. 1,1,1,1,1,1,1 (default: the one the package\'s heads read)')
        .option('--trained-on <text>', 'what the head was trained on, recorded in its tasks (shown by `uniseg pathways`)')
        .option('--caution <text>', 'what the head is not for, recorded in its tasks')
        .addHelpText('after', '\nExamples:\n  $ uniseg heads add --model ./pkg --name Gallbladder --onnx gallbladder.onnx --labels 1=gallbladder --trained-on "40 portal-venous CTs, in-house"')
        .action(async (flags) => {
        if (flags.activation !== 'softmax' && flags.activation !== 'sigmoid') {
            throw new UnisegError('INVALID_ARGUMENT', `--activation must be softmax or sigmoid; got "${flags.activation}"`, { field: '--activation', value: flags.activation });
        }
        const labels = new Map([...parseLabels(flags.labels)].map(([channel, name]) => [name, channel]));
        const manifest = await addHead(flags.model, {
            name: flags.name,
            onnx: flags.onnx,
            labels,
            inputs: flags.inputs ? list(flags.inputs) : undefined,
            supporting: flags.supporting ? list(flags.supporting) : undefined,
            activation: flags.activation,
            pathway: flags.pathway ? list(flags.pathway).map((v) => parseInteger('--pathway', v, { min: 1 })) : undefined,
            trainedOn: flags.trainedOn,
            caution: flags.caution,
        });
        process.stdout.write(`added head ${flags.name} (${[...labels.keys()].join(', ')}); the package now has heads ${Object.keys(manifest.heads).join(', ')}\n`);
    });
    heads
        .command('remove')
        .argument('<name>', 'head to remove')
        .option('-m, --model <dir>', 'model package directory', DEFAULT_MODEL_DIR)
        .addHelpText('after', '\nExamples:\n  $ uniseg heads remove Gallbladder --model ./pkg')
        .action(async (name, flags) => {
        const manifest = await removeHead(flags.model, name);
        process.stdout.write(`removed head ${name}; heads left: ${Object.keys(manifest.heads).join(', ') || 'none'}\n`);
    });
}
