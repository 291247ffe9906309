/** The lazy command table (what `uniseg --help` lists without loading commands) matches the commands themselves. */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_TABLE, commandNameOf } from '../../src/cli/command-table.ts';
import { commands } from '../../src/cli/commands/index.ts';

describe('command table', () => {
  it('names every registered command once, with its own description, and loads the module that registers it', async () => {
    const program = new Command('uniseg');
    for (const register of commands) register(program);
    const registered = program.commands.map((c) => ({ name: c.name(), description: c.description() }));
    expect(COMMAND_TABLE.map((c) => ({ name: c.name, description: c.description }))).toEqual(registered);
    for (const entry of COMMAND_TABLE) {
      const alone = new Command('uniseg');
      (await entry.load())(alone);
      expect(alone.commands.map((c) => c.name()), entry.name).toContain(entry.name);
    }
  });

  it('finds the command an argument list runs', () => {
    expect(commandNameOf(['--verbose', 'segment', 'ct.nii.gz', '-p', 'liver'])).toBe('segment');
    expect(commandNameOf(['help', 'info'])).toBe('info');
    expect(commandNameOf(['--help'])).toBeUndefined();
  });
});
