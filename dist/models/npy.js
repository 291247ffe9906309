/**
 * NumPy .npy files as float32 tensors (what `uniseg verify` compares): parsed with npyjs, then
 * checked for what it does not check itself (a byte-swapped or Fortran-ordered array, a file
 * shorter than its header says) so a bad file is a typed error naming it, never a wrong answer.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'npyjs';
import { UnisegError } from "../errors.js";
const HEADER_PROBE = 512;
export async function readNpy(file) {
    let bytes;
    try {
        bytes = await readFile(file);
    }
    catch (error) {
        throw new UnisegError('FILE_NOT_FOUND', `cannot read ${file} (${error.code})`, { file }, { cause: error });
    }
    return parseNpy(bytes, file);
}
export function parseNpy(bytes, file) {
    const invalid = (why) => new UnisegError('NPY_INVALID', `${file} ${why}`, { file });
    const header = Buffer.from(bytes.subarray(0, HEADER_PROBE)).toString('latin1');
    if (!header.startsWith('\x93NUMPY'))
        throw invalid('is not a NumPy .npy file (no \\x93NUMPY magic)');
    if (/'descr'\s*:\s*'>/.test(header))
        throw invalid('holds big-endian values; save it little-endian (arr.astype("<f4"))');
    let parsed;
    try {
        parsed = parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
    catch (error) {
        throw invalid(`cannot be parsed: ${error.message}`);
    }
    if (parsed.fortranOrder)
        throw invalid('is in Fortran order; save np.ascontiguousarray(arr)');
    const count = parsed.shape.reduce((a, b) => a * b, 1);
    const data = parsed.data;
    if (data.length !== count)
        throw invalid(`is truncated: its header says shape [${parsed.shape.join(', ')}] (${count} values), the file holds ${data.length}`);
    if (typeof data[0] === 'bigint' || /^[cUb]/.test(parsed.dtype))
        throw invalid(`has dtype ${parsed.dtype}; expected a real number type (float32 preferred)`);
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    return { data: values, dims: parsed.shape };
}
