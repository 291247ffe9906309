/**
 * The one place where failures become HTTP statuses. Library failures arrive as UnisegErrors;
 * failures that only exist over HTTP (a body too large, a full queue, a missing token) are
 * ServerErrors with codes of their own. Both share the JSON shape {"error": {code, message, details}}.
 * A user's mistake is always 4xx; anything the server or the model package got wrong is 5xx and
 * answered with a generic message, the real one going to the log.
 */
import { isUnisegError } from "../errors.js";
export class ServerError extends Error {
    code;
    details;
    constructor(code, message, details = {}) {
        super(message);
        this.name = 'ServerError';
        this.code = code;
        this.details = details;
    }
}
/** 499 is nginx's "client closed request": nobody reads it, but the log says what happened. */
export const STATUS_CLIENT_CLOSED = 499;
const STATUS = {
    // The upload is not a readable NIfTI volume: the client's mistake.
    NIFTI_NOT_NIFTI: 415,
    NIFTI_TRUNCATED: 400,
    NIFTI_BAD_HEADER: 400,
    NIFTI_BAD_DIMENSION: 400,
    NIFTI_TOO_LARGE: 413,
    NIFTI_DECOMPRESSION_LIMIT: 413,
    NIFTI_UNSUPPORTED_DATATYPE: 400,
    NIFTI_NONFINITE: 400,
    // The upload is a DICOM series (zip) the reader refuses: also the client's.
    DICOM_INVALID: 400,
    DICOM_NO_SERIES: 400,
    DICOM_MISSING_SLICES: 400,
    DICOM_UNEVEN_SPACING: 400,
    DICOM_MIXED_ORIENTATION: 400,
    DICOM_MIXED_SIZE: 400,
    DICOM_GANTRY_TILT: 400,
    DICOM_4D: 400,
    DICOM_UNSUPPORTED_SYNTAX: 415,
    DICOM_UNSUPPORTED_PIXELS: 415,
    DICOM_TOO_LARGE: 413,
    ZIP_INVALID: 400,
    ZIP_BOMB: 413,
    ZIP_PATH_TRAVERSAL: 400,
    GEOMETRY_INVALID: 400,
    VOLUME_INVALID: 400,
    DICOM_OUTPUT_NEEDS_DICOM_INPUT: 400,
    VOLUME_EMPTY_AFTER_CROP: 400,
    INVALID_ARGUMENT: 400,
    PROMPT_EMPTY: 400,
    PROMPT_UNKNOWN: 404,
    ABORTED: STATUS_CLIENT_CLOSED,
    // The server's files or the model package: never the client's fault.
    NIFTI_WRITE_FAILED: 500,
    PACKAGE_WRITE_FAILED: 500,
    PREVIEW_WRITE_FAILED: 500,
    FILE_NOT_FOUND: 500,
    DICOM_OUTPUT_GRID_MISMATCH: 500,
    DICOM_WRITE_FAILED: 500,
    MODEL_MANIFEST_INVALID: 500,
    MODEL_PART_MISSING: 500,
    MODEL_PART_INVALID: 500,
    MODEL_PART_TAMPERED: 500,
    MODEL_TENSOR_MISMATCH: 500,
    PATHWAY_OUT_OF_RANGE: 500,
    TEXT_ENCODER_INVALID: 500,
    INFERENCE_FAILED: 500,
    // Batches and the job queue: never raised while serving a request.
    BATCH_MANIFEST_INVALID: 500,
    BATCH_INPUT_CHANGED: 500,
    BATCH_OUTPUT_FAILED: 500,
    QUEUE_UNREACHABLE: 500,
    QUEUE_JOB_FAILED: 500,
    // CLI-only (conversion and verification); never raised by a request.
    CONVERT_TOOLCHAIN_MISSING: 500,
    CONVERT_FAILED: 500,
    NPY_INVALID: 500,
    MODEL_NO_FOLDS: 500,
    // HTTP-only.
    BAD_REQUEST: 400,
    UNAUTHORIZED: 401,
    NOT_FOUND: 404,
    VOLUME_NOT_FOUND: 404,
    UPLOAD_TOO_LARGE: 413,
    VOLUME_TOO_LARGE_TO_STORE: 413,
    UNSUPPORTED_MEDIA_TYPE: 415,
    QUEUE_FULL: 429,
    CLIENT_CLOSED: STATUS_CLIENT_CLOSED,
    TIMEOUT: 408,
    SHUTTING_DOWN: 503,
    INTERNAL: 500,
};
/** Status and JSON body for any thrown value. */
export function mapError(error, requestId) {
    const known = error instanceof ServerError || isUnisegError(error) ? error : undefined;
    const status = known ? STATUS[known.code] : 500;
    if (!known || status >= 500) {
        const message = `internal error (request ${requestId}); the server log has the cause`;
        return { status, body: { error: { code: known?.code ?? 'INTERNAL', message, details: { requestId } } }, internal: true };
    }
    return { status, body: { error: { code: known.code, message: known.message, details: known.details } }, internal: false };
}
/** Extra headers some statuses call for. */
const HEADERS = {
    UNAUTHORIZED: { 'www-authenticate': 'Bearer' },
    QUEUE_FULL: { 'retry-after': '5' },
    SHUTTING_DOWN: { connection: 'close' },
};
export function errorResponse(mapped) {
    return Response.json(mapped.body, { status: mapped.status, headers: HEADERS[mapped.body.error.code] });
}
