/**
 * Seeded randomness for phantoms. Hand-written (xoshiro128** seeded through a 32-bit mixer)
 * rather than taken from pure-rand: it is a few dozen lines, adds no dependency, and pinning the
 * exact stream in this file is what guarantees that one seed gives byte-identical phantoms
 * across library upgrades.
 */
import { UnisegError } from "../../errors.js";
/** Murmur3's 32-bit finaliser: spreads every input bit over the whole word. */
function mix32(x) {
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    return (x ^ (x >>> 16)) >>> 0;
}
/** FNV-1a over UTF-16 code units; only used to turn fork labels into seed material. */
function hashString(text) {
    let h = 0x811c9dc5;
    for (let n = 0; n < text.length; n++)
        h = Math.imul(h ^ text.charCodeAt(n), 0x01000193);
    return h >>> 0;
}
function rotl(x, k) {
    return (x << k) | (x >>> (32 - k));
}
class Xoshiro128 {
    s0;
    s1;
    s2;
    s3;
    spare;
    key;
    constructor(key) {
        this.key = key;
        // Four distinct mixes of the key; an all-zero state is the one forbidden state.
        this.s0 = mix32(key[0] ^ 0x9e3779b9);
        this.s1 = mix32(key[1] ^ 0x7f4a7c15);
        this.s2 = mix32((key[0] + 0x6a09e667) ^ rotl(key[1], 7));
        this.s3 = mix32((key[1] + 0xbb67ae85) ^ rotl(key[0], 13));
        if ((this.s0 | this.s1 | this.s2 | this.s3) === 0)
            this.s0 = 1;
        // Discard a few outputs so nearby seeds decorrelate fully.
        for (let n = 0; n < 8; n++)
            this.uint32();
    }
    uint32() {
        const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
        const t = this.s1 << 9;
        this.s2 ^= this.s0;
        this.s3 ^= this.s1;
        this.s1 ^= this.s2;
        this.s0 ^= this.s3;
        this.s2 ^= t;
        this.s3 = rotl(this.s3, 11);
        return result;
    }
    next() {
        // 53 bits from two outputs so tiny probabilities and wide ranges are not coarse.
        const hi = this.uint32() >>> 5;
        const lo = this.uint32() >>> 6;
        return (hi * 67108864 + lo) / 9007199254740992;
    }
    uniform(lo, hi) {
        return lo + (hi - lo) * this.next();
    }
    normal(mean = 0, sd = 1) {
        if (this.spare !== undefined) {
            const z = this.spare;
            this.spare = undefined;
            return mean + sd * z;
        }
        let u = this.next();
        while (u <= Number.MIN_VALUE)
            u = this.next();
        const v = this.next();
        const r = Math.sqrt(-2 * Math.log(u));
        this.spare = r * Math.sin(2 * Math.PI * v);
        return mean + sd * r * Math.cos(2 * Math.PI * v);
    }
    int(lo, hi) {
        return lo + Math.floor(this.next() * (hi - lo + 1));
    }
    chance(p) {
        return this.next() < p;
    }
    fork(label) {
        const h = hashString(label);
        return new Xoshiro128([mix32(this.key[0] ^ h), mix32(this.key[1] + rotl(h, 16) + 0x632be5ab)]);
    }
}
/** A generator for any safe integer seed (negative and > 2^32 included: both halves are used). */
export function createRng(seed) {
    if (!Number.isSafeInteger(seed)) {
        throw new UnisegError('INVALID_ARGUMENT', `seed must be a safe integer; got ${seed}`, { field: 'seed', value: seed });
    }
    const big = BigInt.asUintN(64, BigInt(seed));
    return new Xoshiro128([Number(big & 0xffffffffn), Number(big >> 32n)]);
}
/**
 * A table of standard-normal samples plus a cheap per-voxel index stream. Per-voxel Box–Muller on
 * 100M voxels costs seconds; a 64K-entry table indexed by a xorshift stream looks the same in
 * 16-bit HU after rounding and costs a table load.
 */
export class GaussianNoise {
    table;
    state;
    constructor(rng) {
        this.table = new Float32Array(65536);
        for (let n = 0; n < this.table.length; n++)
            this.table[n] = rng.normal();
        this.state = rng.uint32() | 1;
    }
    /** Fills out[0..count) with standard-normal samples (a row at a time keeps the hot loop tight). */
    fill(out, count = out.length) {
        const table = this.table;
        let s = this.state;
        for (let n = 0; n < count; n += 2) {
            s ^= s << 13;
            s ^= s >>> 17;
            s ^= s << 5;
            out[n] = table[s & 0xffff];
            if (n + 1 < count)
                out[n + 1] = table[s >>> 16];
        }
        this.state = s;
    }
}
