/** Options for reading a DICOM series, and their defaults. */
import { UnisegError } from '../../errors.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_MAX_VOXELS } from '../nifti/options.ts';

export interface DicomReadOptions {
  /** SeriesInstanceUID to read; default: the CT series with the most slices. */
  readonly series?: string;
  /** Refuse series with more voxels than this (default: as for NIfTI). */
  readonly maxVoxels?: number;
  /** Refuse zips whose entries declare more uncompressed bytes than this, all together (default: as for .nii.gz). */
  readonly maxDecompressedBytes?: number;
  /** Refuse folders and zips with more files than this (default 100,000: a few thousand slices is a big series). */
  readonly maxFiles?: number;
}

export const DEFAULT_MAX_FILES = 100_000;

export interface ResolvedDicomOptions {
  readonly series?: string;
  readonly maxVoxels: number;
  readonly maxDecompressedBytes: number;
  readonly maxFiles: number;
}

export function resolveOptions(options: DicomReadOptions): ResolvedDicomOptions {
  const resolved = {
    maxVoxels: options.maxVoxels ?? DEFAULT_MAX_VOXELS,
    maxDecompressedBytes: options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
    maxFiles: options.maxFiles ?? DEFAULT_MAX_FILES,
  };
  for (const [field, value] of Object.entries(resolved)) {
    if (!(typeof value === 'number' && value > 0)) {
      throw new UnisegError('INVALID_ARGUMENT', `DICOM read option ${field} must be a positive number; got ${String(value)}`, { field, value });
    }
  }
  if (options.series !== undefined && !/^[0-9]+(\.[0-9]+)*$/.test(options.series)) {
    throw new UnisegError('INVALID_ARGUMENT', `series must be a SeriesInstanceUID (digits and dots, e.g. 1.2.840.113619.2.55.3); got ${JSON.stringify(options.series)}`, {
      field: 'series',
      value: options.series,
    });
  }
  return options.series === undefined ? resolved : { ...resolved, series: options.series };
}
