/** Counting a batch's cases as they finish, for the progress line and the --json summary. */
import { isUnisegError } from "../errors.js";
/** The stable code and message of anything thrown while running a case. */
export function failureOf(error) {
    if (isUnisegError(error))
        return { code: error.code, message: error.message };
    return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
export class Tally {
    total;
    onProgress;
    started = performance.now();
    done = 0;
    failed = 0;
    skippedDone = 0;
    skippedFailed = 0;
    failures = [];
    constructor(total, onProgress) {
        this.total = total;
        this.onProgress = onProgress;
    }
    /** Counts a ledger entry; a skipped earlier failure keeps its code in the failures. */
    add(entry) {
        if (entry.status === 'done')
            this.done++;
        else if (entry.status === 'failed')
            this.failed++;
        else if (entry.reason === 'failed')
            this.skippedFailed++;
        else
            this.skippedDone++;
        if (entry.code !== undefined)
            this.failures.push({ id: entry.id, code: entry.code, message: entry.message ?? '' });
        this.onProgress?.(this.progress());
    }
    progress() {
        const skipped = this.skippedDone + this.skippedFailed;
        return { total: this.total, finished: this.done + this.failed + skipped, done: this.done, failed: this.failed, skipped };
    }
    summary(mode, outputDir, ledger) {
        const seconds = Math.round(performance.now() - this.started) / 1000;
        return {
            mode,
            total: this.total,
            done: this.done,
            failed: this.failed,
            skipped: { done: this.skippedDone, failed: this.skippedFailed },
            seconds,
            cases_per_minute: seconds > 0 ? Math.round((600 * this.done) / seconds) / 10 : 0,
            output_dir: outputDir,
            ledger,
            failures: this.failures,
        };
    }
}
