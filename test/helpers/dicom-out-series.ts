/**
 * Test input for the DICOM writers before the reader exists: a small uncompressed CT series written
 * by pydicom (test/fixtures/dicom-out/make_series.py) from a crop of the shared CT, and the Volume
 * with `.dicom` built from the numbers that script wrote (series.json, ct.i16) and the patient and
 * study attributes of its first file as dcmjs naturalizes them (the form the reader hands over).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { DicomSeriesInfo } from '../../src/volume/dicom-types.ts';
import type { Volume } from '../../src/volume/types.ts';
import { makeVolume } from '../../src/volume/volume.ts';
import { FIXTURES, SHARED_CT } from './paths.ts';

export const PYTHON = '/usr/bin/python3';
export const DICOM_OUT_FIXTURES = join(FIXTURES, 'dicom-out');

interface Sidecar extends Omit<DicomSeriesInfo, 'header'> {
  readonly sliceStep: number;
}

interface Naturalizer {
  log: { getLogger(name: string): { setLevel(level: string): void } };
  data: {
    DicomMessage: { readFile(buffer: ArrayBuffer): { dict: object } };
    DicomMetaDictionary: { naturalizeDataset(dict: object): Record<string, unknown> };
  };
}
const dcmjs = createRequire(import.meta.url)('dcmjs') as Naturalizer;
// Reading CT pixel data, dcmjs reports PixelData's dictionary VR "ox" as invalid: noise for this test input.
dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');

const HEADER_KEYS = /^(Patient|Study|Referring|Accession|Clinical|Other|Issuer|Ethnic|Responsible|Deidentification|PositionReferenceIndicator)/;

/** Writes the series into `dir` and returns the CT volume a DICOM reader would give for it. */
export function makeCtSeries(dir: string, kind: 'axial' | 'oblique'): Volume<Int16Array> {
  const run = spawnSync(PYTHON, [join(DICOM_OUT_FIXTURES, 'make_series.py'), SHARED_CT, dir, '--kind', kind], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`make_series.py failed (${run.status}): ${run.stderr}`);
  const sidecar = JSON.parse(readFileSync(join(dir, 'series.json'), 'utf8')) as Sidecar;

  const first = readFileSync(join(dir, 'ct_0000.dcm'));
  const natural = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dcmjs.data.DicomMessage.readFile(first.buffer.slice(first.byteOffset, first.byteOffset + first.byteLength)).dict);
  const header = Object.fromEntries(Object.entries(natural).filter(([key]) => HEADER_KEYS.test(key) && key !== 'StudyInstanceUID'));

  // The reader's affine rule (see dicom-types.ts' contract): LPS -> RAS negates x and y.
  const [r0, r1, r2, c0, c1, c2] = sidecar.imageOrientationPatient;
  const normal = [r1 * c2 - r2 * c1, r2 * c0 - r0 * c2, r0 * c1 - r1 * c0];
  const [rowSpacing, columnSpacing] = sidecar.pixelSpacing;
  const p0 = sidecar.instances[0].imagePositionPatient;
  const flip = [-1, -1, 1];
  const affine = [0, 1, 2].map((a) => [
    flip[a] * [r0, r1, r2][a] * columnSpacing,
    flip[a] * [c0, c1, c2][a] * rowSpacing,
    flip[a] * normal[a] * sidecar.sliceStep,
    flip[a] * p0[a],
  ]);
  affine.push([0, 0, 0, 1]);

  const raw = readFileSync(join(dir, 'ct.i16'));
  const data = new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const { sliceStep: _, ...info } = sidecar;
  const dicom: DicomSeriesInfo = { ...info, header };
  return { ...makeVolume(data, [sidecar.columns, sidecar.rows, sidecar.instances.length], affine), dicom };
}
