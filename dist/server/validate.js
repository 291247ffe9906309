import { z } from 'zod';
import { formatZodPath } from "../models/package.js";
import { ServerError } from "./errors.js";
/** Parameters that may repeat (`?prompt=a&prompt=b`); every other one may appear once. */
const REPEATABLE = new Set(['prompt']);
export const promptText = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters long');
export const format = z.enum(['nii.gz', 'json', 'dicom-seg', 'rtstruct', 'png']).default('nii.gz');
const required = (example) => ({ error: (issue) => (issue.input === undefined ? `is required, e.g. ${example}` : undefined) });
export const promptsParam = (maxPrompts) => z.array(promptText, required('?prompt=liver')).min(1, 'give at least one prompt, e.g. ?prompt=liver').max(maxPrompts, `at most ${maxPrompts} prompts per request`);
export const onePromptParam = z.array(promptText, required('?prompt=liver')).length(1, 'give exactly one prompt, e.g. ?prompt=liver');
/** `?series=UID` for a zipped DICOM upload: which series to read (default: the CT series with the most slices). */
export const seriesParam = z
    .string()
    .regex(/^[0-9]+(\.[0-9]+)*$/, 'must be a SeriesInstanceUID: digits and dots, e.g. 1.2.840.113619.2.55.3')
    .max(64, 'must be at most 64 characters (a UID)')
    .optional();
export const volumeParam = z.uuid({ error: (issue) => (issue.input === undefined ? 'is required: an id returned by POST /volumes' : 'must be an id returned by POST /volumes') });
/** Headers the server reads; others pass untouched. */
export const headersSchema = z.looseObject({
    'content-type': z.string().max(200).optional(),
    'content-length': z.string().regex(/^\d{1,15}$/, 'must be a whole number of bytes').optional(),
    authorization: z.string().max(4096).optional(),
});
function fail(where, issues) {
    // An unknown parameter is usually a typo of a missing one: report it first.
    const ordered = [...issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
    const list = ordered.map((i) => ({ path: formatZodPath(i.path), message: i.code === 'unrecognized_keys' ? `unknown ${i.keys.join(', ')}` : i.message }));
    const first = list[0];
    throw new ServerError('BAD_REQUEST', first.path ? `${where} ${first.path}: ${first.message}` : `${where}: ${first.message}`, { issues: list });
}
export function parseQuery(c, schema) {
    const raw = {};
    for (const [key, values] of Object.entries(c.req.queries())) {
        if (REPEATABLE.has(key))
            raw[key] = values;
        else if (values.length === 1)
            raw[key] = values[0];
        else
            throw new ServerError('BAD_REQUEST', `query parameter ${key} is given ${values.length} times; it may appear once`, { issues: [{ path: key, message: 'repeated' }] });
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success)
        fail('query parameter', parsed.error.issues);
    return parsed.data;
}
export function parseParams(c, schema) {
    const parsed = schema.safeParse(c.req.param());
    if (!parsed.success)
        fail('path parameter', parsed.error.issues);
    return parsed.data;
}
export function parseHeaders(c) {
    const parsed = headersSchema.safeParse(c.req.header());
    if (!parsed.success)
        fail('header', parsed.error.issues);
    return parsed.data;
}
