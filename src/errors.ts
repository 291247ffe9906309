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
  | 'ABORTED';

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
