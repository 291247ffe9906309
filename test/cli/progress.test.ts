import { describe, expect, it } from 'vitest';
import { bar, progressReporter } from '../../src/cli/progress.ts';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = { isTTY, write: (s: string) => chunks.push(s) } as unknown as NodeJS.WriteStream;
  return { stream, chunks };
}

describe('progress', () => {
  it('draws a bar with counts on a TTY and ends the line', () => {
    const { stream, chunks } = sink(true);
    const p = progressReporter('windows', stream);
    p.update(3, 12);
    p.update(12, 12);
    p.done();
    expect(chunks[0]).toMatch(/^\r\[######-{18}\] windows 3\/12 \(25 %, ETA \d+ s\)/);
    expect(chunks[1]).toContain(`${bar(1, 24)} windows 12/12 (100 %`);
    expect(chunks.at(-1)).toBe('\n');
  });

  it('prints a plain line at the start and per 10 % when not a TTY, and nothing for one step', () => {
    const { stream, chunks } = sink(false);
    const p = progressReporter('windows', stream);
    for (let d = 1; d <= 100; d++) p.update(d, 100);
    p.update(1, 1);
    p.done();
    expect(chunks).toHaveLength(11);
    expect(chunks.every((c) => c.endsWith('\n') && !c.includes('['))).toBe(true);
  });
});
