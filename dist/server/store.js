/**
 * Uploaded volumes kept for later prompts (POST /volumes, GET /segment?volume=ID). Bounded three
 * ways: entries, total bytes and a time to live counted from the upload. When a new volume does
 * not fit, the least recently used ones go first. Expired entries are dropped on every access,
 * so no timer keeps the process alive.
 */
import { randomUUID } from 'node:crypto';
import { makeVolume } from "../volume/volume.js";
import { ServerError } from "./errors.js";
export class VolumeStore {
    #limits;
    #now;
    /** Map order is recency order: the first entry is the least recently used. */
    #entries = new Map();
    #bytes = 0;
    constructor(limits, now = Date.now) {
        this.#limits = limits;
        this.#now = now;
    }
    get stats() {
        this.#expire();
        return { entries: this.#entries.size, bytes: this.#bytes };
    }
    put(volume) {
        this.#expire();
        const own = ownData(volume);
        const bytes = own.data.buffer.byteLength;
        if (bytes > this.#limits.maxBytes) {
            throw new ServerError('VOLUME_TOO_LARGE_TO_STORE', `the volume takes ${bytes} bytes decoded, more than the store holds (${this.#limits.maxBytes}); send it with POST /segment instead`, {
                bytes,
                maxStoreBytes: this.#limits.maxBytes,
            });
        }
        for (const old of this.#entries.values()) {
            if (this.#entries.size < this.#limits.maxEntries && this.#bytes + bytes <= this.#limits.maxBytes)
                break;
            this.#remove(old.id);
        }
        const entry = { id: randomUUID(), volume: own, bytes, expiresAt: this.#now() + this.#limits.ttlMs };
        this.#entries.set(entry.id, entry);
        this.#bytes += bytes;
        return entry;
    }
    /** The volume, marked as just used; undefined when unknown, evicted or expired. */
    get(id) {
        this.#expire();
        const entry = this.#entries.get(id);
        if (entry) {
            this.#entries.delete(id);
            this.#entries.set(id, entry);
        }
        return entry;
    }
    delete(id) {
        this.#expire();
        return this.#remove(id);
    }
    #remove(id) {
        const entry = this.#entries.get(id);
        if (!entry)
            return false;
        this.#entries.delete(id);
        this.#bytes -= entry.bytes;
        return true;
    }
    #expire() {
        const now = this.#now();
        for (const entry of [...this.#entries.values()])
            if (entry.expiresAt <= now)
                this.#remove(entry.id);
    }
}
/**
 * A volume read from uncompressed bytes may be a view into the whole upload (all 4D frames
 * included); a stored one gets its own buffer so the store's byte count is what it really holds.
 */
function ownData(volume) {
    const { data } = volume;
    if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength)
        return volume;
    return makeVolume(data.slice(), volume.shape, volume.affine, volume.source);
}
