/**
 * The attributes of one DICOM object that grouping, geometry and decoding need, pulled out of
 * dcmjs's naturalized dataset and checked once, so later stages work with plain typed fields.
 */
import { UnisegError } from '../../errors.ts';
import type { ParsedDicom } from './dcmjs.ts';

export type Vec3 = readonly [number, number, number];
export type Iop = readonly [number, number, number, number, number, number];

/** Encoding of the stored pixel values. */
export interface PixelFormat {
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  /** PixelRepresentation 1: two's complement. */
  readonly signed: boolean;
  readonly samplesPerPixel: number;
  readonly photometric: string;
  readonly frames: number;
}

/** An image object of a series: enough to group, sort, check and later decode it. */
export interface SliceHeader {
  /** File (or zip entry) name, for messages. */
  readonly where: string;
  /** Index of the entry it came from, to read it again for its pixels. */
  readonly entry: number;
  readonly transferSyntaxUID: string;
  readonly sopClassUID: string;
  readonly sopInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly studyInstanceUID: string;
  readonly frameOfReferenceUID: string;
  readonly modality: string;
  readonly seriesDescription: string;
  readonly imageType: readonly string[];
  readonly rows: number;
  readonly columns: number;
  readonly imagePositionPatient: Vec3;
  readonly imageOrientationPatient: Iop;
  /** [between rows, between columns] mm. */
  readonly pixelSpacing: readonly [number, number];
  readonly rescaleSlope: number;
  readonly rescaleIntercept: number;
  readonly pixel: PixelFormat;
  readonly gantryTilt: number;
  /** The naturalized dataset (no pixel data), kept for the first slice's patient/study attributes. */
  readonly dataset: Readonly<Record<string, unknown>>;
}

/** What every object is, image or not: enough to say what was skipped. */
export interface ObjectSummary {
  readonly where: string;
  readonly modality: string;
  readonly sopClassUID: string;
  readonly seriesInstanceUID: string;
  readonly hasPixels: boolean;
  readonly imageType: readonly string[];
}

export function summarize(parsed: ParsedDicom, where: string): ObjectSummary {
  const ds = parsed.dataset;
  return {
    where,
    modality: text(ds.Modality),
    sopClassUID: text(ds.SOPClassUID),
    seriesInstanceUID: text(ds.SeriesInstanceUID),
    hasPixels: parsed.hasPixels,
    imageType: list(ds.ImageType).map((v) => String(v).toUpperCase()),
  };
}

/** The slice header of an image object; a missing or malformed geometry attribute is DICOM_INVALID naming the file and attribute. */
export function sliceHeader(parsed: ParsedDicom, where: string, entry: number): SliceHeader {
  const ds = parsed.dataset;
  const summary = summarize(parsed, where);
  const ipp = numbers(ds, 'ImagePositionPatient', 3, where);
  const iop = numbers(ds, 'ImageOrientationPatient', 6, where);
  const spacing = numbers(ds, 'PixelSpacing', 2, where);
  if (!(spacing[0] > 0 && spacing[1] > 0)) invalid(where, 'PixelSpacing', spacing, 'two positive numbers');
  return {
    where,
    entry,
    transferSyntaxUID: parsed.transferSyntaxUID,
    sopClassUID: summary.sopClassUID,
    sopInstanceUID: text(ds.SOPInstanceUID),
    seriesInstanceUID: summary.seriesInstanceUID,
    studyInstanceUID: text(ds.StudyInstanceUID),
    frameOfReferenceUID: text(ds.FrameOfReferenceUID),
    modality: summary.modality,
    seriesDescription: text(ds.SeriesDescription),
    imageType: summary.imageType,
    rows: integer(ds, 'Rows', where),
    columns: integer(ds, 'Columns', where),
    imagePositionPatient: [ipp[0], ipp[1], ipp[2]],
    imageOrientationPatient: [iop[0], iop[1], iop[2], iop[3], iop[4], iop[5]],
    pixelSpacing: [spacing[0], spacing[1]],
    rescaleSlope: optionalNumber(ds, 'RescaleSlope', 1, where),
    rescaleIntercept: optionalNumber(ds, 'RescaleIntercept', 0, where),
    pixel: {
      bitsAllocated: integer(ds, 'BitsAllocated', where),
      bitsStored: optionalInteger(ds, 'BitsStored', integer(ds, 'BitsAllocated', where), where),
      signed: optionalInteger(ds, 'PixelRepresentation', 0, where) === 1,
      samplesPerPixel: optionalInteger(ds, 'SamplesPerPixel', 1, where),
      photometric: text(ds.PhotometricInterpretation) || 'MONOCHROME2',
      frames: optionalInteger(ds, 'NumberOfFrames', 1, where),
    },
    gantryTilt: optionalNumber(ds, 'GantryDetectorTilt', 0, where),
    dataset: ds,
  };
}

function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function text(value: unknown): string {
  const first = list(value)[0];
  return first === undefined || first === null ? '' : String(first).trim();
}

function numbers(ds: Record<string, unknown>, keyword: string, count: number, where: string): number[] {
  const values = list(ds[keyword]).map(Number);
  if (values.length !== count || !values.every(Number.isFinite)) invalid(where, keyword, ds[keyword], `${count} numbers`);
  return values;
}

function integer(ds: Record<string, unknown>, keyword: string, where: string): number {
  const value = Number(list(ds[keyword])[0]);
  if (!Number.isInteger(value) || value <= 0) invalid(where, keyword, ds[keyword], 'a positive integer');
  return value;
}

function optionalInteger(ds: Record<string, unknown>, keyword: string, fallback: number, where: string): number {
  const values = list(ds[keyword]);
  if (values.length === 0 || values[0] === '' || values[0] === null) return fallback;
  const value = Number(values[0]);
  if (!Number.isInteger(value) || value < 0) invalid(where, keyword, ds[keyword], 'a non-negative integer');
  return value;
}

function optionalNumber(ds: Record<string, unknown>, keyword: string, fallback: number, where: string): number {
  const values = list(ds[keyword]);
  if (values.length === 0 || values[0] === '' || values[0] === null) return fallback;
  const value = Number(values[0]);
  if (!Number.isFinite(value)) invalid(where, keyword, ds[keyword], 'a number');
  return value;
}

function invalid(where: string, keyword: string, value: unknown, expected: string): never {
  throw new UnisegError('DICOM_INVALID', `${where}: ${keyword} must be ${expected}; got ${JSON.stringify(value ?? null)}`, { file: where, attribute: keyword, value: value ?? null });
}
