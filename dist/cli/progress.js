export function progressReporter(what, stream = process.stderr) {
    const started = performance.now();
    const tty = Boolean(stream.isTTY);
    let lastDecile = -1;
    let drawn = false;
    return {
        update(done, total, detail) {
            if (total <= 1)
                return;
            const elapsed = (performance.now() - started) / 1000;
            const eta = done > 0 ? (elapsed / done) * (total - done) : 0;
            const line = `${what} ${done}/${total} (${Math.round((100 * done) / total)} %, ${detail === undefined ? '' : `${detail}, `}ETA ${eta.toFixed(0)} s)`;
            if (tty) {
                stream.write(`\r${bar(done / total, 24)} ${line}\u001b[K`);
                drawn = true;
            }
            else {
                const decile = Math.floor((10 * done) / total);
                if (decile !== lastDecile) {
                    lastDecile = decile;
                    stream.write(`${line}\n`);
                }
            }
        },
        done() {
            if (drawn)
                stream.write('\n');
        },
    };
}
/** A fixed-width bar such as [#########---------------]. */
export function bar(fraction, width) {
    const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}
