/**
 * The `uniseg` command line. Each subcommand lives in its own file under ./commands and registers
 * itself on the program; only the one being run is loaded (command-table.ts), so start-up stays
 * fast. Errors are turned into one-line messages and exit codes in run.ts.
 */
import { Command } from 'commander';
import { COMMAND_TABLE, commandNameOf } from "./command-table.js";
import { runCli } from "./run.js";
const program = new Command('uniseg')
    .description('Text-prompted universal segmentation of CT scans, offline.')
    .option('--verbose', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)');
const wanted = COMMAND_TABLE.find((c) => c.name === commandNameOf(process.argv.slice(2)));
if (wanted)
    (await wanted.load())(program);
else
    for (const c of COMMAND_TABLE)
        program.command(c.name).description(c.description);
await runCli(program, process.argv);
