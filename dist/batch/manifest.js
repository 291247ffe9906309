/**
 * Batch manifests: a CSV with a header row, or JSON lines, one case per row with `image` (a path,
 * relative to the manifest's folder unless absolute), optional `prompts` (CSV: separated by ";";
 * JSONL: a string or an array) and optional `id`. Rows are checked with zod; an error names the
 * file, the line and the field.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { UnisegError } from "../errors.js";
import { formatZodPath } from "../models/package.js";
export const MANIFEST_EXTENSIONS = /\.(csv|jsonl)$/i;
const prompts = z.union([z.string(), z.array(z.string())]).transform((value) => {
    const list = typeof value === 'string' ? value.split(';') : value;
    return list.map((p) => p.trim()).filter((p) => p !== '');
});
const rowSchema = z.object({
    image: z.string().trim().min(1, 'image must name a file'),
    id: z.string().trim().optional().transform((v) => (v === '' ? undefined : v)),
    prompts: prompts.optional(),
});
function invalid(file, line, message, details = {}) {
    return new UnisegError('BATCH_MANIFEST_INVALID', `${file}:${line}: ${message}`, { file, line, ...details });
}
function checkRow(file, line, value) {
    const parsed = rowSchema.safeParse(value);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw invalid(file, line, `${formatZodPath(issue.path) || '(row)'}: ${issue.message}`, { field: formatZodPath(issue.path) });
    }
    const { image, id, prompts: list } = parsed.data;
    return { image: resolve(dirname(file), image), line, ...(id === undefined ? {} : { id }), ...(list === undefined || list.length === 0 ? {} : { prompts: list }) };
}
function csvRows(file, text) {
    let records;
    try {
        records = parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true, bom: true });
    }
    catch (error) {
        const line = error.lines ?? 1;
        throw invalid(file, line, `not a readable CSV: ${error.message}`);
    }
    if (records.length > 0 && !('image' in records[0].record)) {
        throw invalid(file, 1, `the header has no "image" column (columns: ${Object.keys(records[0].record).join(', ')})`);
    }
    return records.map(({ record, info }) => checkRow(file, info.lines, record));
}
function jsonlRows(file, text) {
    const rows = [];
    text.split('\n').forEach((raw, i) => {
        if (raw.trim() === '')
            return;
        let value;
        try {
            value = JSON.parse(raw);
        }
        catch (error) {
            throw invalid(file, i + 1, `not JSON: ${error.message}`);
        }
        rows.push(checkRow(file, i + 1, value));
    });
    return rows;
}
export async function readManifestRows(file) {
    let text;
    try {
        text = await readFile(file, 'utf8');
    }
    catch (error) {
        throw new UnisegError('FILE_NOT_FOUND', `cannot read manifest ${file} (${error.code})`, { file });
    }
    const rows = file.toLowerCase().endsWith('.csv') ? csvRows(file, text) : jsonlRows(file, text);
    if (rows.length === 0)
        throw invalid(file, 1, 'the manifest lists no cases');
    return rows;
}
