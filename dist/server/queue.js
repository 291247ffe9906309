/**
 * One job at a time per model, behind a bounded FIFO. A job whose request is cancelled while it
 * waits leaves the queue at once; a running job gets the same signal and stops at its next window.
 */
import { UnisegError } from "../errors.js";
import { ServerError } from "./errors.js";
export class JobQueue {
    #maxWaiting;
    #concurrency;
    #running = 0;
    #waiting = [];
    constructor(maxWaiting, concurrency = 1) {
        this.#maxWaiting = maxWaiting;
        this.#concurrency = concurrency;
    }
    get stats() {
        return { running: this.#running, waiting: this.#waiting.length };
    }
    /**
     * Runs `job` when its turn comes. Throws ServerError QUEUE_FULL when the queue is full, and
     * UnisegError ABORTED when `signal` fires while waiting (the job then never starts).
     */
    async run(job, signal) {
        await this.#acquire(signal);
        try {
            if (signal.aborted)
                throw aborted('before it started');
            return await job(signal);
        }
        finally {
            this.#release();
        }
    }
    #acquire(signal) {
        if (signal.aborted)
            return Promise.reject(aborted('before it was queued'));
        if (this.#running < this.#concurrency) {
            this.#running++;
            return Promise.resolve();
        }
        if (this.#waiting.length >= this.#maxWaiting) {
            return Promise.reject(new ServerError('QUEUE_FULL', `the server is busy: ${this.#running} job(s) running and ${this.#waiting.length} waiting (the most it queues); retry later`, {
                ...this.stats,
                maxWaiting: this.#maxWaiting,
            }));
        }
        return new Promise((resolve, reject) => {
            const waiter = {
                start: () => {
                    signal.removeEventListener('abort', onAbort);
                    this.#running++;
                    resolve();
                },
            };
            const onAbort = () => {
                const at = this.#waiting.indexOf(waiter);
                if (at >= 0)
                    this.#waiting.splice(at, 1);
                reject(aborted('while waiting in the queue'));
            };
            signal.addEventListener('abort', onAbort, { once: true });
            this.#waiting.push(waiter);
        });
    }
    #release() {
        this.#running--;
        this.#waiting.shift()?.start();
    }
}
function aborted(when) {
    return new UnisegError('ABORTED', `segmentation cancelled ${when}`, {});
}
