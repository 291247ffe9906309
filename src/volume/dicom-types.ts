/** What a CT read from a DICOM series remembers of its source, for writing results back as DICOM. */
export interface DicomInstanceRef {
  readonly sopClassUID: string;
  readonly sopInstanceUID: string;
  /** ImagePositionPatient of this slice, LPS mm, as in the file. */
  readonly imagePositionPatient: readonly [number, number, number];
}

export interface DicomSeriesInfo {
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly frameOfReferenceUID: string;
  readonly modality: string;
  readonly transferSyntaxUID: string;
  /** ImageOrientationPatient: row direction cosines then column direction cosines (LPS). */
  readonly imageOrientationPatient: readonly [number, number, number, number, number, number];
  /** PixelSpacing as in the file: [row spacing (between rows), column spacing (between columns)] mm. */
  readonly pixelSpacing: readonly [number, number];
  readonly rows: number;
  readonly columns: number;
  /**
   * One per slice, in the volume's k order. Voxel (i, j, k) of the volume is column i, row j of
   * instances[k]: no flips. k increases along the slice normal (row cosines x column cosines).
   */
  readonly instances: readonly DicomInstanceRef[];
  /**
   * Patient, study, general-equipment-independent attributes of the first instance, in dcmjs's
   * "naturalized" form (keyword -> value), pixel data and per-instance attributes removed, for
   * copying the Patient and General Study modules into derived objects.
   */
  readonly header: Readonly<Record<string, unknown>>;
}
