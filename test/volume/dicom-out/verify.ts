/** Checks on written DICOM files by tools other than uniseg: dciodvfy (dicom3tools) and a pydicom decoder. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputMask } from '../../../src/volume/dicom-out/index.ts';
import type { Shape3 } from '../../../src/volume/types.ts';
import { DICOM_OUT_FIXTURES, PYTHON } from '../../helpers/dicom-out-series.ts';

export interface Dciodvfy {
  readonly iod: string;
  readonly errors: string[];
  readonly warnings: string[];
}

export function dciodvfy(file: string): Dciodvfy {
  const run = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  const lines = `${run.stdout}\n${run.stderr}`.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return {
    iod: lines.find((l) => !l.startsWith('Error') && !l.startsWith('Warning')) ?? '',
    errors: lines.filter((l) => l.startsWith('Error')),
    warnings: lines.filter((l) => l.startsWith('Warning')),
  };
}

/** Per written segment (in order), its voxels as 0/1: what SEG must decode to exactly. */
export function expectedSegments(masks: readonly OutputMask[]): Uint8Array[] {
  return masks.flatMap((m) =>
    Object.values(m.labels)
      .sort((a, b) => a - b)
      .map((value) => Uint8Array.from(m.mask.data, (v) => (v === value ? 1 : 0))),
  );
}

export interface SegmentReport {
  number: number;
  label: string;
  description: string;
  algorithmType: string;
  algorithmName: string;
  algorithm: { family: string[]; name: string; version: string; parameters: string }[];
  category: string[];
  type: string[];
  typeModifier: string[] | null;
  region: string[] | null;
  regionModifier: string[] | null;
  frames: number;
  voxels: number;
  expectedVoxels: number;
  exact: boolean;
}

export interface RoiReport {
  number: number;
  name: string;
  description: string;
  generationAlgorithm: string;
  referencedFrameOfReferenceMatches: boolean;
  interpretedType: string;
  identificationCode: string[] | null;
  contours: number;
  slicesWithContours: number;
  voxels: number;
  expectedVoxels: number;
  dice: number;
}

interface Common {
  sopClassUID: string;
  modality: string;
  patientName: string;
  patientNameMatches: boolean;
  patientIdMatches: boolean;
  studyMatches: boolean;
  accessionMatches: boolean;
  newSeries: boolean;
  newInstance: boolean;
  uidsUnder225: boolean;
  manufacturer: string;
  modelName: string;
  deviceSerialNumber: string;
  softwareVersions: string;
}

export interface CheckReport {
  seg?: Common & {
    segmentationType: string;
    frameOfReferenceMatches: boolean;
    referencedSeriesMatches: boolean;
    orientationMatches: boolean;
    maxPositionErrorMm: number;
    frames: number;
    segments: SegmentReport[];
  };
  rtstruct?: Common & {
    referencedFrameOfReferenceMatches: boolean;
    referencedStudyMatches: boolean;
    referencedSeriesMatches: boolean;
    contourImagesAreTheSeries: boolean;
    maxOffPlaneMm: number;
    maxContourPoints: number;
    rois: RoiReport[];
  };
}

/** Runs check_outputs.py (pydicom, numpy, PIL) on the files against the masks they came from. */
export function checkOutputs(work: string, series: string, shape: Shape3, masks: readonly OutputMask[], files: { seg?: string; rtstruct?: string }): CheckReport {
  const segments = expectedSegments(masks).map((bits, n) => {
    const mask = join(work, `expected-${n + 1}.u8`);
    writeFileSync(mask, bits);
    return { mask };
  });
  const expected = join(work, 'expected.json');
  writeFileSync(expected, JSON.stringify({ shape, segments }));
  const args = [join(DICOM_OUT_FIXTURES, 'check_outputs.py'), '--series', series, '--expected', expected];
  if (files.seg) args.push('--seg', files.seg);
  if (files.rtstruct) args.push('--rtstruct', files.rtstruct);
  const run = spawnSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`check_outputs.py failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as CheckReport;
}
