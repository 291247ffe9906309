/**
 * One case's folder, OUT/<id>/, appears whole or not at all: files are written into a staging
 * folder under OUT/.uniseg-tmp/ and the folder is renamed into place (one rename on one file
 * system). case.json is written last inside it and records the key the outputs were made from,
 * so "done" means "a folder with a case.json whose key matches".
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnisegError } from "../errors.js";
export const STAGING_DIR = '.uniseg-tmp';
export const CASE_FILE = 'case.json';
/** The record of a finished case, or undefined when the folder or its case.json is missing or unreadable. */
export async function readCaseRecord(outputDir, id) {
    try {
        return JSON.parse(await readFile(join(outputDir, id, CASE_FILE), 'utf8'));
    }
    catch {
        return undefined;
    }
}
function failed(id, what, error) {
    const err = error;
    return new UnisegError('BATCH_OUTPUT_FAILED', `case "${id}": cannot ${what} (${err.code ?? err.message}); no output folder was written`, { id, reason: err.code }, { cause: error });
}
export async function stageCase(outputDir, id) {
    // "+" never occurs in an id or a host name. Unique per attempt, so two attempts at one case (a stalled worker and its replacement) never share files.
    const tag = `${id}+${hostname()}+${process.pid}+${randomBytes(4).toString('hex')}`;
    const dir = join(outputDir, STAGING_DIR, tag);
    try {
        await mkdir(dir, { recursive: true });
    }
    catch (error) {
        throw failed(id, `create ${dir}`, error);
    }
    const target = join(outputDir, id);
    return {
        dir,
        async commit(record) {
            try {
                await writeFile(join(dir, CASE_FILE), `${JSON.stringify(record, null, 2)}\n`);
                await replaceDir(dir, target, join(outputDir, STAGING_DIR, `${tag}+old`));
            }
            catch (error) {
                await rm(dir, { recursive: true, force: true }).catch(() => undefined);
                throw failed(id, `move its outputs to ${target}`, error);
            }
        },
        async discard() {
            await rm(dir, { recursive: true, force: true }).catch(() => undefined);
        },
    };
}
/** rename() cannot replace a non-empty folder: move the old one aside first, then delete it. */
async function replaceDir(from, to, aside) {
    for (let tries = 0;; tries++) {
        try {
            await rename(from, to);
            break;
        }
        catch (error) {
            const code = error.code;
            if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || tries >= 3)
                throw error;
            await rename(to, aside).catch((e) => {
                if (e.code !== 'ENOENT')
                    throw e;
            });
        }
    }
    await rm(aside, { recursive: true, force: true });
}
/**
 * Removes staging folders left by attempts that died (kill -9, power loss) for these case ids.
 * Call it only when no attempt at those cases can still be running: before a local batch, or
 * once every job of a queued batch has finished.
 */
export async function removeStaleStaging(outputDir, ids) {
    const root = join(outputDir, STAGING_DIR);
    let names;
    try {
        names = await readdir(root);
    }
    catch {
        return;
    }
    await Promise.all(names.filter((n) => ids.has(n.split('+')[0])).map((n) => rm(join(root, n), { recursive: true, force: true })));
    await rmdir(root).catch(() => undefined);
}
