/**
 * Reading an upload without ever holding more than the limit: a declared Content-Length over the
 * limit is refused before reading anything, and a streamed (chunked) body is counted chunk by
 * chunk and abandoned as soon as it passes the limit. What is read goes into one buffer.
 */
import { ServerError } from "./errors.js";
/**
 * Media types accepted for CT bodies: NIfTI, a zipped DICOM series, one DICOM file (parameters ignored). A missing Content-Type is accepted
 * too, and so is application/x-www-form-urlencoded because `curl --data-binary @ct.nii.gz` sends
 * it by default. Anything else (JSON, text, multipart forms, images...) is clearly not a raw
 * NIfTI body and gets 415 before a byte is read.
 */
export const ACCEPTED_MEDIA_TYPES = [
    'application/octet-stream',
    'application/gzip',
    'application/x-gzip',
    'application/x-nifti',
    'application/x-www-form-urlencoded',
    // A DICOM series as a zip, or one DICOM file.
    'application/zip',
    'application/x-zip-compressed',
    'application/dicom',
];
export function checkMediaType(contentType) {
    if (contentType === undefined)
        return;
    const type = contentType.split(';')[0].trim().toLowerCase();
    if (type === '' || ACCEPTED_MEDIA_TYPES.includes(type))
        return;
    throw new ServerError('UNSUPPORTED_MEDIA_TYPE', `content-type ${type} is not a CT upload; send the raw .nii or .nii.gz bytes as ${ACCEPTED_MEDIA_TYPES.slice(0, 2).join(' or ')}, or a zipped DICOM series as application/zip`, { contentType: type, accepted: ACCEPTED_MEDIA_TYPES });
}
function tooLarge(maxBytes, seen, declared) {
    const what = declared ? `declares ${seen} bytes` : `passed ${maxBytes} bytes`;
    return new ServerError('UPLOAD_TOO_LARGE', `the request body ${what}, over the server's upload limit of ${maxBytes} bytes`, {
        maxUploadBytes: maxBytes,
        ...(declared ? { contentLength: seen } : {}),
    });
}
export async function readUpload(request, headers, options) {
    const { maxBytes, signal } = options;
    checkMediaType(headers['content-type']);
    const declared = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
    if (declared !== undefined && declared > maxBytes)
        throw tooLarge(maxBytes, declared, true);
    if (!request.body || declared === 0)
        throw emptyBody();
    const reader = request.body.getReader();
    const onAbort = () => void reader.cancel().catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    // With a declared length the buffer is allocated once; otherwise chunks are joined at the end.
    const exact = declared === undefined ? undefined : Buffer.allocUnsafe(declared);
    const chunks = [];
    let total = 0;
    try {
        for (;;) {
            const { done, value } = await reader.read();
            if (signal.aborted)
                throw signal.reason;
            if (done)
                break;
            if (total + value.length > maxBytes || (exact && total + value.length > exact.length)) {
                await reader.cancel().catch(() => undefined);
                if (total + value.length > maxBytes)
                    throw tooLarge(maxBytes, total + value.length, false);
                throw new ServerError('BAD_REQUEST', `the request body is longer than its content-length (${exact.length} bytes)`, { contentLength: exact.length });
            }
            if (exact)
                exact.set(value, total);
            else
                chunks.push(value);
            total += value.length;
        }
    }
    finally {
        signal.removeEventListener('abort', onAbort);
    }
    if (total === 0)
        throw emptyBody();
    if (exact)
        return total === exact.length ? exact : exact.subarray(0, total);
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
}
function emptyBody() {
    return new ServerError('BAD_REQUEST', 'the request body is empty; send the .nii or .nii.gz bytes, or a zipped DICOM series', {});
}
