import type { Command } from 'commander';
import { createSelectionLogger, type SelectionLogger } from '../pathways/log.ts';

/** Adds --log / --no-log: the selection log is on in the CLI (stderr by default, "-" for stdout, or a file). */
export function withLogOption(command: Command): Command {
  return command.option('--log <file>', 'selection log, one JSON line per prompt: a file, "-" for stdout (default: stderr)').option('--no-log', 'no selection log');
}

export function selectionLogger(flag: string | boolean | undefined): SelectionLogger | undefined {
  if (flag === false) return undefined;
  return createSelectionLogger(typeof flag === 'string' ? flag : 'stderr');
}
