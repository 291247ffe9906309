/**
 * Running the Python toolchain (`python3 -m uniseg_tools <command> ...`) from the CLI: Debian's
 * /usr/bin/python3 (UNISEG_PYTHON overrides it), the repository root as cwd and PYTHONPATH, its
 * stdout streamed through, its stderr streamed too except the one `error: ...` line a refusal
 * ends with, which becomes the message of a typed UnisegError (exit 2 of the toolchain → a usage
 * error, 3 → the toolchain's Python modules are missing, anything else → CONVERT_FAILED).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UnisegError } from "../errors.js";
/** The repository checkout that holds uniseg_tools/ (this file is src/cli/toolchain.ts). */
export const TOOLCHAIN_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_PYTHON = '/usr/bin/python3';
const INSTALL = 'apt-get install python3 python3-torch python3-onnx python3-numpy python3-nibabel python3-scipy';
/** uniseg_tools/convert/__init__.py's exit status for missing modules. */
const EXIT_MISSING = 3;
const EXIT_USAGE = 2;
const processIO = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
};
export function toolchainPython() {
    return process.env.UNISEG_PYTHON || DEFAULT_PYTHON;
}
export async function runToolchain(args, io = processIO) {
    const python = toolchainPython();
    if (!existsSync(python)) {
        throw new UnisegError('CONVERT_TOOLCHAIN_MISSING', `the Python toolchain needs ${python}, which does not exist: ${INSTALL}`, { python });
    }
    if (!existsSync(`${TOOLCHAIN_ROOT}uniseg_tools/__main__.py`)) {
        throw new UnisegError('CONVERT_TOOLCHAIN_MISSING', `uniseg_tools/ is not in ${TOOLCHAIN_ROOT}: converting needs a checkout of the uniseg repository`, { root: TOOLCHAIN_ROOT });
    }
    const pythonPath = [TOOLCHAIN_ROOT, process.env.PYTHONPATH].filter(Boolean).join(':');
    const child = spawn(python, ['-m', 'uniseg_tools', ...args], {
        cwd: TOOLCHAIN_ROOT,
        env: { ...process.env, PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    const errors = [];
    let tail = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (text) => io.stdout(text));
    child.stderr.setEncoding('utf8').on('data', (text) => {
        const lines = (pending + text).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines)
            route(line);
    });
    const route = (line) => {
        if (line.startsWith('error: '))
            errors.push(line.slice('error: '.length));
        else {
            io.stderr(`${line}\n`);
            if (line.trim())
                tail = line.trim();
        }
    };
    const status = await new Promise((resolve, reject) => {
        child.on('error', (error) => reject(new UnisegError('CONVERT_TOOLCHAIN_MISSING', `cannot start ${python}: ${error.message}; ${INSTALL}`, { python }, { cause: error })));
        child.on('close', (code) => resolve(code));
    });
    if (pending)
        route(pending);
    if (status === 0)
        return;
    const message = errors.join('; ') || `python3 -m uniseg_tools ${args[0] ?? ''} failed (exit ${status})${tail ? `: ${tail}` : ''}`;
    const details = { command: ['-m', 'uniseg_tools', ...args], exit: status };
    if (status === EXIT_MISSING)
        throw new UnisegError('CONVERT_TOOLCHAIN_MISSING', message, details);
    if (status === EXIT_USAGE)
        throw new UnisegError('INVALID_ARGUMENT', message, details);
    throw new UnisegError('CONVERT_FAILED', message, details);
}
