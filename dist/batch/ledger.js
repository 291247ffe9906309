/**
 * OUT/batch.jsonl: append-only, one JSON line per case attempt, never rewritten. The case
 * folders are the truth about what is done; the ledger is the history (and remembers failures,
 * which have no folder). Only one process appends: the local batch, or the queue's producer.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
export const LEDGER_FILE = 'batch.jsonl';
export class Ledger {
    file;
    constructor(outputDir) {
        this.file = join(outputDir, LEDGER_FILE);
    }
    /**
     * The last done/failed entry per case id. A line torn by a kill is ignored, and a newline is
     * added after it so the next append starts a line of its own.
     */
    async last() {
        let text;
        try {
            text = await readFile(this.file, 'utf8');
        }
        catch (error) {
            if (error.code === 'ENOENT')
                return new Map();
            throw error;
        }
        if (text !== '' && !text.endsWith('\n'))
            await appendFile(this.file, '\n');
        const last = new Map();
        for (const line of text.split('\n')) {
            let entry;
            try {
                entry = JSON.parse(line);
            }
            catch {
                continue;
            }
            if (entry.status === 'done' || entry.status === 'failed')
                last.set(entry.id, entry);
        }
        return last;
    }
    /** One write of one whole line, so a kill leaves at most one torn line at the end. */
    async append(entry) {
        await appendFile(this.file, `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
    }
}
