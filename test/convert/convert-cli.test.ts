/**
 * `uniseg convert`: the Node front door to the Python toolchain. A missing interpreter or missing
 * torch is one typed line saying what to install; the toolchain's refusals come back as one line
 * naming the file, with its exit status (1 refused, 2 usage).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.ts';

const work = mkdtempSync(join(tmpdir(), 'uniseg-convert-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function convert(args: readonly string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'uniseg.mjs'), 'convert', ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('uniseg convert', { timeout: 180_000 }, () => {
  it('without Python: one line naming the interpreter and what to install', () => {
    const run = convert(['monai-bundle', 'bundle', '-o', 'out'], { UNISEG_PYTHON: join(work, 'no-python') });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/CONVERT_TOOLCHAIN_MISSING.*no-python.*apt-get install .*python3-torch python3-onnx/);
  });

  it('with a Python that lacks torch: says which modules and which packages', () => {
    // Debian's interpreter without its site directories: the toolchain is there, torch is not.
    const bare = join(work, 'bare-python');
    writeFileSync(bare, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n');
    chmodSync(bare, 0o755);
    const run = convert(['monai-bundle', 'bundle', '-o', 'out'], { UNISEG_PYTHON: bare });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/CONVERT_TOOLCHAIN_MISSING.*torch.*apt-get install python3-torch python3-onnx/);
  });

  it('an unknown kind is a usage error; a missing source names the file', () => {
    const kind = convert(['caffe', 'x', '-o', 'out']);
    expect(kind.status).toBe(2);
    expect(kind.stderr).toMatch(/INVALID_ARGUMENT.*unknown convert kind 'caffe' \(known: monai, monai-bundle/);
    const missing = convert(['monai', join(work, 'absent.pt'), '-o', join(work, 'out')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/CONVERT_FAILED.*absent\.pt: no such checkpoint file/);
    expect(existsSync(join(work, 'out'))).toBe(false);
  });

  it('passes --help through to the converter', () => {
    const run = convert(['monai', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/STATE_DICT/);
  });
});
