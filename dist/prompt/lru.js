/**
 * A count-bounded least-recently-used map. A Map iterates in insertion order, so re-inserting on
 * every read keeps the oldest entry first and eviction is O(1). Written here rather than taken
 * from `lru-cache`: twenty lines, no TTLs or size functions needed, one dependency fewer.
 */
export class Lru {
    capacity;
    #map = new Map();
    constructor(capacity) {
        if (!Number.isInteger(capacity) || capacity < 1)
            throw new RangeError(`LRU capacity must be a positive integer; got ${capacity}`);
        this.capacity = capacity;
    }
    get size() {
        return this.#map.size;
    }
    get(key) {
        if (!this.#map.has(key))
            return undefined;
        const value = this.#map.get(key);
        this.#map.delete(key);
        this.#map.set(key, value);
        return value;
    }
    set(key, value) {
        this.#map.delete(key);
        this.#map.set(key, value);
        if (this.#map.size > this.capacity)
            this.#map.delete(this.#map.keys().next().value);
    }
    clear() {
        this.#map.clear();
    }
}
