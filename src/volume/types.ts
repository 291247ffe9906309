import type { DicomSeriesInfo } from './dicom-types.ts';

/**
 * Core volume types. Spaces are named: a voxel index (i, j, k) lives in the array, a world point
 * is RAS+ millimetres (nibabel's convention: +x toward the patient's Right, +y Anterior,
 * +z Superior), and an Affine maps the first to the second.
 */

/** A 3-vector in world space, RAS+ millimetres. */
export type WorldMm = readonly [number, number, number];

/** A (possibly fractional) voxel index (i, j, k). */
export type VoxelIndex = readonly [number, number, number];

/** Voxel counts along i, j, k. */
export type Shape3 = readonly [number, number, number];

/** Voxel sizes in mm along i, j, k (column norms of the affine). */
export type Spacing3 = readonly [number, number, number];

/** A 4x4 voxel-index → world (RAS+ mm) matrix, as 4 rows of 4 numbers; the last row is 0 0 0 1. */
export type Affine = readonly (readonly number[])[];

/** Three axis codes, one per voxel axis, each naming the world direction that axis increases toward, e.g. ['R','A','S'] or ['L','P','S']. */
export type AxisCode = 'R' | 'L' | 'A' | 'P' | 'S' | 'I';
export type Orientation = readonly [AxisCode, AxisCode, AxisCode];

export type VoxelArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/** NIfTI datatypes uniseg reads (names as nibabel prints them). */
export type DataTypeName = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

/** What the file said, kept beside the volume for `uniseg info` and for the caller's curiosity. */
export interface VolumeSource {
  /** The path read, or '<bytes>'. */
  readonly path: string;
  /** On-disk datatype (NIfTI), or the datatype the rescaled DICOM values were given. */
  readonly datatype: DataTypeName;
  /** The NIfTI fields below are absent for a volume read from a DICOM series (see Volume.dicom). */
  readonly niftiVersion?: 1 | 2;
  readonly littleEndian?: boolean;
  /** Number of volumes (4th dimension) in the file; only the first is read. */
  readonly frames?: number;
  readonly sclSlope?: number;
  readonly sclInter?: number;
  readonly qformCode?: number;
  readonly sformCode?: number;
  /** Non-fatal findings while reading (e.g. "4D file: read the first of 3 volumes"). */
  readonly warnings: readonly string[];
}

/**
 * A 3D scalar volume on a voxel grid. `data` is in NIfTI order: i fastest, then j, then k,
 * so voxel (i, j, k) is at `i + nx * (j + ny * k)`.
 */
export interface Volume<T extends VoxelArray = VoxelArray> {
  readonly data: T;
  readonly shape: Shape3;
  readonly affine: Affine;
  readonly spacing: Spacing3;
  readonly orientation: Orientation;
  readonly source?: VolumeSource;
  readonly dicom?: DicomSeriesInfo;
}
