/**
 * The selection log: one JSON line per resolved prompt saying where it went and why. Written
 * through pino (a structured logger) to a file or stdout; off unless a logger is given.
 */
import { pino } from 'pino';
/** A logger writing JSON lines to `destination`: "-" for stdout, "stderr", or a file path (appended). */
export function createSelectionLogger(destination) {
    const stream = destination === '-' || destination === 'stderr'
        ? pino.destination({ fd: destination === '-' ? 1 : 2, sync: true })
        : pino.destination({ dest: destination, append: true, mkdir: true, sync: true });
    return pino({ base: null, messageKey: 'event', timestamp: pino.stdTimeFunctions.isoTime }, stream);
}
export function logSelection(logger, record) {
    logger?.info({ ...record, pathway: record.pathway.join(',') }, 'prompt resolved');
}
/** A prompt that could not be resolved is logged too, with the error code instead of a route. */
export function logRefusal(logger, record) {
    logger?.info(record, 'prompt refused');
}
