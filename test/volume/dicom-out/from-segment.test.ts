/**
 * End to end through a real ONNX model: segment() on a CT with `.dicom`, its result.prompts straight
 * into the writers, with the package's provenance. The heads test package's "kidneys" task has two
 * labels, so it becomes two segments/ROIs; "left kidney" is one.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadModel } from '../../../src/models/package.ts';
import { modelProvenance } from '../../../src/models/provenance.ts';
import { segment } from '../../../src/segment.ts';
import { writeDicomSeg, writeRtstruct } from '../../../src/volume/dicom-out/index.ts';
import { makeCtSeries } from '../../helpers/dicom-out-series.ts';
import { ROOT, TEST_MODELS } from '../../helpers/paths.ts';
import { checkOutputs, dciodvfy } from './verify.ts';

const tmp = mkdtempSync(join(tmpdir(), 'uniseg-dicom-out-model-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('writes a model\'s masks as SEG and RTSTRUCT that decode back to them, naming uniseg and the package', async () => {
  const series = join(tmp, 'series');
  mkdirSync(series);
  const ct = makeCtSeries(series, 'axial');
  const dir = join(TEST_MODELS, 'heads');
  const model = await loadModel(dir, { threads: 1 });
  const result = await segment(ct, ['kidneys', 'left kidney'], { model });
  const provenance = await modelProvenance(model);
  await model.close();
  expect(provenance).toEqual({
    unisegVersion: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
    packageName: JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).name,
    manifestSha256: createHash('sha256').update(readFileSync(join(dir, 'model.json'))).digest('hex'),
  });

  const seg = join(tmp, 'seg.dcm');
  const rtstruct = join(tmp, 'rt.dcm');
  await writeDicomSeg(seg, ct, result.prompts, { provenance });
  await writeRtstruct(rtstruct, ct, result.prompts, { provenance });
  expect(dciodvfy(seg).errors).toEqual([]);
  expect(dciodvfy(rtstruct).errors).toEqual([]);

  const report = checkOutputs(tmp, series, ct.shape, result.prompts, { seg, rtstruct });
  expect(report.seg!.segments.map((s) => [s.label, s.typeModifier?.[2]])).toEqual([
    ['kidneys: kidney_left', 'Left'],
    ['kidneys: kidney_right', 'Right'],
    ['left kidney', 'Left'],
  ]);
  for (const s of report.seg!.segments) expect(s.exact, s.label).toBe(true);
  expect(report.seg!.segments.reduce((n, s) => n + s.voxels, 0)).toBeGreaterThan(1000);
  for (const roi of report.rtstruct!.rois) if (roi.expectedVoxels > 0) expect(roi.dice, roi.name).toBeGreaterThanOrEqual(0.95);
  expect(report.seg!.deviceSerialNumber).toBe(provenance.manifestSha256);
}, 90_000);
