/**
 * One case, start to finish, shared by the local batch and the queue worker: hash the input,
 * reuse a finished folder with the same key, else read, segment with the already loaded model,
 * and write masks, statistics.json, the selection log and case.json through a staging folder.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { UnisegError } from "../errors.js";
import { segmentWithModel } from "../models/segment.js";
import { routeLabel } from "../server/report.js";
import { maskFileNames, segmentStatistics, STATISTICS_JSON } from "../segment-outputs.js";
import { writeVolume } from "../volume/nifti/index.js";
import { readVolume } from "../volume/read.js";
import { readCaseRecord, stageCase } from "./case-dir.js";
import { hashInput, sameKey } from "./hash.js";
export const SELECTION_LOG = 'selection.jsonl';
/** The key a case has now (hashing its input). */
export async function currentKey(item, packageSha256) {
    return { inputSha256: await hashInput(item.input), packageSha256, prompts: item.prompts };
}
/** True when OUT/<id> holds a finished case made from `key`. */
export async function isDone(outputDir, id, key) {
    const record = await readCaseRecord(outputDir, id);
    return record !== undefined && sameKey(record, key);
}
/**
 * The selection log in a case folder leaves out the clock (time, ms), so a case re-run from the
 * same key writes the same bytes; the ledger and worker logs carry the timing.
 */
function selectionCollector(lines) {
    return pino({ base: null, messageKey: 'event', timestamp: false, formatters: { log: ({ ms: _ms, ...rest }) => rest } }, { write: (line) => void lines.push(line) });
}
function routesOf(result) {
    return Object.fromEntries(result.prompts.map((p) => [p.prompt, routeLabel(p.route)]));
}
/** `known`: the key when the caller has just hashed the input (the local batch), so it is not read twice. */
export async function runCase(item, context, known) {
    const started = performance.now();
    const seconds = () => Math.round(performance.now() - started) / 1000;
    const key = known ?? (await currentKey(item, context.packageSha256));
    if (context.expectedInputSha256 !== undefined && key.inputSha256 !== context.expectedInputSha256) {
        throw new UnisegError('BATCH_INPUT_CHANGED', `case "${item.id}": ${item.input} changed after the batch was queued (SHA-256 ${key.inputSha256.slice(0, 12)}..., queued ${context.expectedInputSha256.slice(0, 12)}...); run the batch again`, {
            id: item.id,
            input: item.input,
        });
    }
    const existing = await readCaseRecord(context.outputDir, item.id);
    if (existing !== undefined && sameKey(existing, key))
        return { key, routes: existing.routes, reused: true, seconds: seconds() };
    const ct = await readVolume(item.input);
    const lines = [];
    const result = await segmentWithModel(context.model, ct, item.prompts, { logger: selectionCollector(lines) });
    const staging = await stageCase(context.outputDir, item.id);
    try {
        const names = maskFileNames(result);
        for (const [i, p] of result.prompts.entries())
            await writeVolume(join(staging.dir, names[i]), p.mask);
        await writeFile(join(staging.dir, STATISTICS_JSON), `${JSON.stringify(segmentStatistics(ct, result), null, 2)}\n`);
        await writeFile(join(staging.dir, SELECTION_LOG), lines.join(''));
        const routes = routesOf(result);
        const record = {
            id: item.id,
            input: item.input,
            package: context.model.manifest.name,
            ...key,
            masks: Object.fromEntries(result.prompts.map((p, i) => [p.prompt, names[i]])),
            routes,
        };
        await staging.commit(record);
        return { key, routes, reused: false, seconds: seconds() };
    }
    catch (error) {
        await staging.discard();
        if (error instanceof UnisegError)
            throw error;
        throw new UnisegError('BATCH_OUTPUT_FAILED', `case "${item.id}": cannot write its outputs (${error.code ?? error.message}); nothing was written`, { id: item.id }, { cause: error });
    }
}
