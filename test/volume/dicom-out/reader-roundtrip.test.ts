/**
 * The reader and the writers together: a pydicom-written series read by readVolume (the real
 * DICOM reader) is the same Volume the writers' tests build from the generator's numbers, and
 * `uniseg segment SERIES --output-type dicom-seg|rtstruct` writes files that pass dciodvfy and
 * decode back to the masks.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadModel } from '../../../src/models/package.ts';
import { segmentWithModel } from '../../../src/models/segment.ts';
import { readVolume } from '../../../src/volume/read.ts';
import { uniseg } from '../../helpers/cli.ts';
import { makeCtSeries } from '../../helpers/dicom-out-series.ts';
import { TEST_MODELS } from '../../helpers/paths.ts';
import { checkOutputs, dciodvfy } from './verify.ts';

const tmp = mkdtempSync(join(tmpdir(), 'uniseg-dicom-roundtrip-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('reads a series to the writers\' Volume and answers it as SEG and RTSTRUCT from the CLI', async () => {
  const series = join(tmp, 'series');
  mkdirSync(series);
  const built = makeCtSeries(series, 'axial');
  const read = await readVolume(series);
  expect(read.shape).toEqual(built.shape);
  expect(Math.max(...read.affine.flat().map((v, i) => Math.abs(v - built.affine.flat()[i])))).toBeLessThan(1e-4);
  expect(Buffer.from(read.data.buffer, read.data.byteOffset, read.data.byteLength).equals(Buffer.from(built.data.buffer))).toBe(true);
  expect(read.dicom!.instances.map((r) => r.sopInstanceUID)).toEqual(built.dicom!.instances.map((r) => r.sopInstanceUID));

  const model = join(TEST_MODELS, 'heads');
  const files = { seg: join(tmp, 'seg.dcm'), rtstruct: join(tmp, 'rt.dcm') };
  for (const [type, file] of [['dicom-seg', files.seg], ['rtstruct', files.rtstruct]]) {
    const run = uniseg(['segment', series, '-p', 'kidneys', '--model', model, '--threads', '1', '--no-log', '--output-type', type, '-o', file]);
    expect(run.status, run.stderr).toBe(0);
    expect(dciodvfy(file).errors).toEqual([]);
  }
  const loaded = await loadModel(model, { threads: 1 });
  const result = await segmentWithModel(loaded, read, 'kidneys');
  await loaded.close();
  const report = checkOutputs(tmp, series, read.shape, result.prompts, files);
  for (const s of report.seg!.segments) expect(s.exact, s.label).toBe(true);
  for (const r of report.rtstruct!.rois) expect(r.dice, r.name).toBeGreaterThanOrEqual(0.95);
}, 120_000);
