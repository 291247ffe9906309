/**
 * Whether a case runs again, decided the same way locally and on the queue: a finished folder
 * made from the same input, package and prompts is skipped; so is a failure with that same key,
 * unless --retry-failed.
 */
import { currentKey, isDone } from "./case-runner.js";
import { keyDigest } from "./hash.js";
/** Hashes the input (a missing one throws FILE_NOT_FOUND) and decides. */
export async function checkCase(item, context) {
    const key = await currentKey(item, context.packageSha256);
    const digest = keyDigest(key);
    const base = { id: item.id, input: item.input, status: 'skipped', key: digest };
    if (await isDone(context.outputDir, item.id, key))
        return { key, digest, skip: { ...base, reason: 'done' } };
    const last = context.last.get(item.id);
    if (!context.retryFailed && last?.status === 'failed' && last.key === digest) {
        return { key, digest, skip: { ...base, reason: 'failed', code: last.code, message: last.message } };
    }
    return { key, digest };
}
