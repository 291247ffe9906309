/** Every subcommand answers --help with exit 0, its usage and examples (spawning the real binary). */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { uniseg } from '../helpers/cli.ts';
import { ROOT } from '../helpers/paths.ts';

const run = promisify(execFile);

/** Leaf commands, found from `uniseg --help` and `uniseg <group> --help`, so new ones are covered. */
function commandsIn(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]).filter((name) => name !== 'help');
}

describe('uniseg <command> --help', () => {
  // A dozen Node start-ups: allow for a busy machine.
  it('exits 0 with usage and examples for every subcommand', { timeout: 240_000 }, async () => {
    const top = uniseg(['--help']);
    expect(top.status).toBe(0);
    const groups = commandsIn(top.stdout);
    expect(groups).toEqual(expect.arrayContaining(['info', 'phantom', 'segment', 'wrap', 'pathways', 'resolve', 'serve', 'export', 'heads']));

    const help = async (args: string[]) => {
      const { stdout } = await run(process.execPath, [join(ROOT, 'bin', 'uniseg.mjs'), ...args, '--help'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
      return stdout;
    };
    // Two at a time: each is a Node start-up.
    const leaves: { name: string; text: string }[] = [];
    for (let i = 0; i < groups.length; i += 2) {
      const texts = await Promise.all(groups.slice(i, i + 2).map((g) => help([g])));
      for (const [k, text] of texts.entries()) {
        const name = groups[i + k];
        const subs = /^Usage: uniseg \S+ \[options\] \[command\]/m.test(text) ? commandsIn(text) : [];
        if (subs.length === 0) leaves.push({ name, text });
        for (const sub of subs) leaves.push({ name: `${name} ${sub}`, text: await help([name, sub]) });
      }
    }
    for (const { name, text } of leaves) {
      expect(text, name).toMatch(new RegExp(`^Usage: uniseg ${name}`, 'm'));
      expect(text, name).toMatch(/^Examples:$/m);
    }
  });
});
