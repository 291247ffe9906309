import { createSelectionLogger } from "../pathways/log.js";
/** Adds --log / --no-log: the selection log is on in the CLI (stderr by default, "-" for stdout, or a file). */
export function withLogOption(command) {
    return command.option('--log <file>', 'selection log, one JSON line per prompt: a file, "-" for stdout (default: stderr)').option('--no-log', 'no selection log');
}
export function selectionLogger(flag) {
    if (flag === false)
        return undefined;
    return createSelectionLogger(typeof flag === 'string' ? flag : 'stderr');
}
