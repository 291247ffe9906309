/**
 * Each request carries one AbortSignal that fires when the client goes away or the request's
 * deadline passes; its reason is the ServerError to answer with (499 or 408), so whoever notices
 * the abort (body reading, the queue, the engine) reports it the same way.
 */
import { isUnisegError } from "../errors.js";
import { ServerError } from "./errors.js";
export function requestCancel(client, timeoutMs) {
    const controller = new AbortController();
    const onClient = () => controller.abort(new ServerError('CLIENT_CLOSED', 'the client closed the connection before the answer was ready'));
    const timer = setTimeout(() => {
        controller.abort(new ServerError('TIMEOUT', `the request took longer than the server's limit of ${timeoutMs / 1000} s`, { timeoutMs }));
    }, timeoutMs);
    timer.unref();
    if (client?.aborted)
        onClient();
    else
        client?.addEventListener('abort', onClient, { once: true });
    return {
        signal: controller.signal,
        dispose() {
            clearTimeout(timer);
            client?.removeEventListener('abort', onClient);
        },
    };
}
/** An ABORTED error (or any error) raised after the signal fired becomes the signal's reason. */
export function explainAbort(error, signal) {
    if (signal.aborted && (isUnisegError(error, 'ABORTED') || !(error instanceof ServerError)))
        return signal.reason;
    return error;
}
