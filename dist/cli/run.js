import { Command, CommanderError } from 'commander';
import { isUnisegError } from "../errors.js";
/** Exit codes: 0 ok, 1 runtime failure, 2 usage error (bad flags or arguments). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
const USAGE_CODES = new Set(['INVALID_ARGUMENT', 'PROMPT_EMPTY']);
export function exitCodeFor(error) {
    if (error instanceof CommanderError)
        return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    if (isUnisegError(error) && USAGE_CODES.has(error.code))
        return EXIT_USAGE;
    return EXIT_FAILURE;
}
export async function runCli(program, argv) {
    const verbose = argv.includes('--verbose');
    program.exitOverride();
    for (const sub of program.commands)
        sub.exitOverride();
    try {
        await program.parseAsync([...argv]);
    }
    catch (error) {
        const code = exitCodeFor(error);
        if (!(error instanceof CommanderError)) {
            const label = isUnisegError(error) ? `error [${error.code}]` : 'error';
            const message = error instanceof Error ? error.message : String(error);
            process.stderr.write(`uniseg: ${label}: ${message}\n`);
            if (verbose && error instanceof Error && error.stack)
                process.stderr.write(`${error.stack}\n`);
        }
        process.exitCode = code;
    }
}
