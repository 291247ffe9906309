/**
 * Progress on stderr: a redrawn bar with counts and an ETA on a TTY, a plain line every 10 %
 * otherwise (so logs stay readable), nothing when there is only one step.
 */
export interface Progress {
  /** `detail`, when given, goes inside the parentheses (e.g. "2 failed"). */
  update: (done: number, total: number, detail?: string) => void;
  done: () => void;
}

export function progressReporter(what: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = performance.now();
  const tty = Boolean(stream.isTTY);
  let lastDecile = -1;
  let drawn = false;
  return {
    update(done, total, detail) {
      if (total <= 1) return;
      const elapsed = (performance.now() - started) / 1000;
      const eta = done > 0 ? (elapsed / done) * (total - done) : 0;
      const line = `${what} ${done}/${total} (${Math.round((100 * done) / total)} %, ${detail === undefined ? '' : `${detail}, `}ETA ${eta.toFixed(0)} s)`;
      if (tty) {
        stream.write(`\r${bar(done / total, 24)} ${line}\u001b[K`);
        drawn = true;
      } else {
        const decile = Math.floor((10 * done) / total);
        if (decile !== lastDecile) {
          lastDecile = decile;
          stream.write(`${line}\n`);
        }
      }
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}

/** A fixed-width bar such as [#########---------------]. */
export function bar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}
