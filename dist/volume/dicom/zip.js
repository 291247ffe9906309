/**
 * A .zip of a series, read in memory (nothing is extracted to disk). Refused before anything is
 * inflated: entry names that are absolute or climb with "..", more entries than allowed, or
 * declared sizes adding up past the budget (this also catches overlapping-entry bombs, whose
 * entries share one compressed stream). Each entry is then inflated into a buffer of exactly its
 * declared size (fflate never grows a buffer it was given), so a lying size cannot use more
 * memory either: it only truncates, which the DICOM parser then refuses.
 */
import { unzipSync } from 'fflate';
import { UnisegError } from "../../errors.js";
const ZIP_MAGIC = [0x50, 0x4b];
/** A local file header (PK\3\4) or the end record of an empty archive (PK\5\6). */
export function isZip(bytes) {
    return bytes.length >= 4 && bytes[0] === ZIP_MAGIC[0] && bytes[1] === ZIP_MAGIC[1] && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}
export function unzipInMemory(bytes, where, limits) {
    const listed = [];
    inflate(bytes, where, (info) => {
        listed.push(info);
        return false;
    });
    checkListing(listed, where, limits);
    const files = inflate(bytes, where, (info) => !info.name.endsWith('/'));
    return Object.entries(files).map(([name, data]) => {
        const declared = listed.find((info) => info.name === name).originalSize;
        if (data.length !== declared) {
            throw new UnisegError('ZIP_INVALID', `${where}: entry ${name} inflates to ${data.length} bytes but declares ${declared}`, { file: where, entry: name });
        }
        return { name, bytes: data };
    });
}
function inflate(bytes, where, filter) {
    try {
        return unzipSync(bytes, { filter });
    }
    catch (error) {
        if (error instanceof UnisegError)
            throw error;
        throw new UnisegError('ZIP_INVALID', `${where}: not a readable zip archive (${error.message})`, { file: where }, { cause: error });
    }
}
function checkListing(listed, where, limits) {
    if (listed.length > limits.maxEntries) {
        throw new UnisegError('ZIP_BOMB', `${where}: has ${listed.length} entries, more than the ${limits.maxEntries} allowed; refusing it`, {
            file: where,
            entries: listed.length,
            maxEntries: limits.maxEntries,
        });
    }
    const escaping = listed.filter((info) => escapes(info.name)).map((info) => info.name);
    if (escaping.length > 0) {
        throw new UnisegError('ZIP_PATH_TRAVERSAL', `${where}: entry ${JSON.stringify(escaping[0])} points outside the archive (absolute or "..")${escaping.length > 1 ? `, and ${escaping.length - 1} more` : ''}; refusing the archive`, {
            file: where,
            entries: escaping.slice(0, 10),
        });
    }
    let total = 0;
    for (const info of listed) {
        if (info.compression !== 0 && info.compression !== 8) {
            throw new UnisegError('ZIP_INVALID', `${where}: entry ${info.name} uses compression method ${info.compression}; only stored (0) and deflate (8) are read`, { file: where, entry: info.name, compression: info.compression });
        }
        total += info.originalSize;
        if (total > limits.maxBytes) {
            throw new UnisegError('ZIP_BOMB', `${where}: entries declare more than ${limits.maxBytes} uncompressed bytes (${listed.length} entries, ${bytesOf(listed)} in all); refusing it (zip bomb?)`, {
                file: where,
                declaredBytes: bytesOf(listed),
                maxBytes: limits.maxBytes,
            });
        }
    }
}
function bytesOf(listed) {
    return listed.reduce((sum, info) => sum + info.originalSize, 0);
}
/** Absolute (/x, \x, C:x) or with a ".." segment: a name that would land outside an extraction folder. */
function escapes(name) {
    if (/^[\\/]/.test(name) || /^[A-Za-z]:/.test(name))
        return true;
    return name.split(/[\\/]/).some((segment) => segment === '..');
}
