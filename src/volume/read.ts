/**
 * readVolume: every way a CT arrives, from a path or from bytes. A folder is a DICOM series; a
 * file or bytes starting like a zip is a zipped series; a DICOM Part 10 file is a one-file
 * series; anything else goes to the NIfTI reader unchanged (so NIfTI input behaves exactly as
 * before, errors included).
 */
import { open, readFile, stat } from 'node:fs/promises';
import { UnisegError } from '../errors.ts';
import { readDicomSeries, isDicomPart10, isZip, type DicomReadOptions } from './dicom/index.ts';
import { BYTES_SOURCE, readVolume as readNifti, type ReadOptions } from './nifti/index.ts';
import type { Volume } from './types.ts';

export interface VolumeReadOptions extends ReadOptions, DicomReadOptions {}

/** Enough bytes to see a zip's magic or a DICOM preamble and "DICM". */
const SNIFF_BYTES = 132;

export async function readVolume(pathOrBytes: string | Uint8Array, options: VolumeReadOptions = {}): Promise<Volume> {
  const { series, maxFiles, ...nifti } = options;
  const dicom: DicomReadOptions = { series, maxFiles, maxVoxels: options.maxVoxels, maxDecompressedBytes: options.maxDecompressedBytes };
  if (typeof pathOrBytes !== 'string') {
    if (isZip(pathOrBytes)) return readDicomSeries({ kind: 'zip', bytes: pathOrBytes, where: BYTES_SOURCE }, dicom);
    if (isDicomPart10(pathOrBytes)) return readDicomSeries({ kind: 'file', bytes: pathOrBytes, where: BYTES_SOURCE }, dicom);
    return readNifti(pathOrBytes, niftiOnly(BYTES_SOURCE, series, nifti));
  }
  const info = await stat(pathOrBytes).catch(() => undefined);
  if (info?.isDirectory()) return readDicomSeries({ kind: 'folder', path: pathOrBytes }, dicom);
  if (info?.isFile()) {
    const head = await sniff(pathOrBytes);
    if (isZip(head)) return readDicomSeries({ kind: 'zip', bytes: await readFile(pathOrBytes), where: pathOrBytes }, dicom);
    if (isDicomPart10(head)) return readDicomSeries({ kind: 'file', bytes: await readFile(pathOrBytes), where: pathOrBytes }, dicom);
  }
  return readNifti(pathOrBytes, niftiOnly(pathOrBytes, series, nifti));
}

function niftiOnly(where: string, series: string | undefined, options: ReadOptions): ReadOptions {
  if (series !== undefined) {
    throw new UnisegError('INVALID_ARGUMENT', `${where}: series ${series} was asked for, but this is not a DICOM folder, zip or file; series picks one series of a DICOM input`, {
      field: 'series',
      value: series,
      file: where,
    });
  }
  return options;
}

async function sniff(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const head = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await fh.read(head, 0, SNIFF_BYTES, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
