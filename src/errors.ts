/**
 * Every failure uniseg reports is a UnisegError: a stable machine code, a human message that
 * names what, where and which value, and structured details. The CLI maps codes to exit codes
 * and the server maps them to HTTP statuses, each in one place.
 */
export type ErrorCode =
  // NIfTI reading / writing
  | 'NIFTI_NOT_NIFTI'
  | 'NIFTI_TRUNCATED'
  | 'NIFTI_BAD_HEADER'
  | 'NIFTI_BAD_DIMENSION'
  | 'NIFTI_TOO_LARGE'
  | 'NIFTI_DECOMPRESSION_LIMIT'
  | 'NIFTI_UNSUPPORTED_DATATYPE'
  | 'NIFTI_NONFINITE'
  | 'NIFTI_WRITE_FAILED'
  | 'PACKAGE_WRITE_FAILED'
  | 'PREVIEW_WRITE_FAILED'
  | 'FILE_NOT_FOUND'
  // DICOM series and zip archives
  | 'DICOM_INVALID'
  | 'DICOM_NO_SERIES'
  | 'DICOM_MISSING_SLICES'
  | 'DICOM_UNEVEN_SPACING'
  | 'DICOM_MIXED_ORIENTATION'
  | 'DICOM_MIXED_SIZE'
  | 'DICOM_GANTRY_TILT'
  | 'DICOM_4D'
  | 'DICOM_UNSUPPORTED_SYNTAX'
  | 'DICOM_UNSUPPORTED_PIXELS'
  | 'DICOM_TOO_LARGE'
  | 'ZIP_INVALID'
  | 'ZIP_BOMB'
  | 'ZIP_PATH_TRAVERSAL'
  // geometry and volumes
  | 'GEOMETRY_INVALID'
  | 'VOLUME_INVALID'
  // usage
  | 'INVALID_ARGUMENT'
  // models, prompts and inference
  | 'MODEL_MANIFEST_INVALID'
  | 'MODEL_PART_MISSING'
  | 'MODEL_PART_INVALID'
  | 'MODEL_PART_TAMPERED'
  | 'MODEL_TENSOR_MISMATCH'
  | 'PATHWAY_OUT_OF_RANGE'
  | 'PROMPT_EMPTY'
  | 'PROMPT_UNKNOWN'
  | 'TEXT_ENCODER_INVALID'
  | 'VOLUME_EMPTY_AFTER_CROP'
  | 'INFERENCE_FAILED'
  | 'ABORTED'
  // batches and the job queue
  | 'BATCH_MANIFEST_INVALID'
  | 'BATCH_INPUT_CHANGED'
  | 'BATCH_OUTPUT_FAILED'
  | 'QUEUE_UNREACHABLE'
  | 'QUEUE_JOB_FAILED'
  // DICOM output (SEG, RTSTRUCT)
  | 'DICOM_OUTPUT_NEEDS_DICOM_INPUT'
  | 'DICOM_OUTPUT_GRID_MISMATCH'
  | 'DICOM_WRITE_FAILED'
  // converting foreign checkpoints (the Python toolchain) and checking conversions
  | 'CONVERT_TOOLCHAIN_MISSING'
  | 'CONVERT_FAILED'
  | 'NPY_INVALID'
  | 'MODEL_NO_FOLDS';

export class UnisegError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnisegError';
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isUnisegError(value: unknown, code?: ErrorCode): value is UnisegError {
  return value instanceof UnisegError && (code === undefined || value.code === code);
}
