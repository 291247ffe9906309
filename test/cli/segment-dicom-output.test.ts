/** `uniseg segment --output-type`: DICOM outputs need a CT read from DICOM; usage errors come before any work. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { uniseg } from '../helpers/cli.ts';
import { FIXTURES, TEST_MODELS } from '../helpers/paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'uniseg-segment-dicom-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ct = join(FIXTURES, 'engine', 'small', 'ct.nii.gz');
const model = ['--model', join(TEST_MODELS, 'plain'), '--threads', '1', '--no-log'];

describe('uniseg segment --output-type', () => {
  it('dicom-seg from a NIfTI CT: DICOM_OUTPUT_NEEDS_DICOM_INPUT, exit 1, nothing written', () => {
    const out = join(tmp, 'seg.dcm');
    const run = uniseg(['segment', ct, '-p', 'liver', ...model, '--output-type', 'dicom-seg', '-o', out]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('error [DICOM_OUTPUT_NEEDS_DICOM_INPUT]');
    expect(run.stderr).toContain('ct.nii.gz');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an unknown type and --output-dir with a DICOM type as usage errors (exit 2)', () => {
    const bad = uniseg(['segment', ct, '-p', 'liver', ...model, '--output-type', 'dicom', '-o', join(tmp, 'x.dcm')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--output-type must be one of nifti, dicom-seg, rtstruct; got "dicom"/);
    const dir = uniseg(['segment', ct, '-p', 'liver', ...model, '--output-type', 'rtstruct', '--output-dir', join(tmp, 'd')]);
    expect(dir.status).toBe(2);
    expect(dir.stderr).toMatch(/give -o FILE/);
    expect(existsSync(join(tmp, 'd'))).toBe(false);
  });
});
