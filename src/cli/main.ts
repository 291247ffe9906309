/**
 * The `uniseg` command line. Each subcommand lives in its own file under ./commands and registers
 * itself on the program; errors are turned into one-line messages and exit codes in run.ts.
 */
import { Command } from 'commander';
import { commands } from './commands/index.ts';
import { runCli } from './run.ts';

const program = new Command('uniseg')
  .description('Text-prompted universal segmentation of CT scans, offline.')
  .option('--verbose', 'print stack traces on errors')
  .showHelpAfterError('(run with --help for usage)');

for (const register of commands) register(program);

await runCli(program, process.argv);
