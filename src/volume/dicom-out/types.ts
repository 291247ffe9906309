/** What the DICOM writers take: the prompts' masks on the source CT's grid, and who made them. */
import type { Volume } from '../types.ts';

/** One prompt's result, as segment() returns it in `result.prompts[i]` (those fields suffice). */
export interface OutputMask {
  /** The text asked for, e.g. "left kidney". */
  readonly prompt: string;
  /** The model task it resolved to, e.g. "kidney_left". */
  readonly task: string;
  /** Label name -> value written in `mask`; a task with several labels gives one segment per label. */
  readonly labels: Readonly<Record<string, number>>;
  /** On the CT's grid (same shape and affine). */
  readonly mask: Volume;
}

/** The algorithm identification written into every derived object. */
export interface Provenance {
  /** uniseg's version (package.json). */
  readonly unisegVersion: string;
  /** The model package's manifest name. */
  readonly packageName: string;
  /** SHA-256 (hex) of the package's model.json, which pins every part by its own SHA-256. */
  readonly manifestSha256: string;
}

export interface DicomOutputOptions {
  readonly provenance: Provenance;
  /** SeriesNumber of the new series (default 900 for SEG, 901 for RTSTRUCT: out of a scanner's usual range). */
  readonly seriesNumber?: number;
  readonly seriesDescription?: string;
  /** Creation time written as content/series/instance dates (default: now). */
  readonly now?: Date;
}

export type DicomOutputType = 'dicom-seg' | 'rtstruct';
export const DICOM_OUTPUT_TYPES: readonly DicomOutputType[] = ['dicom-seg', 'rtstruct'];
