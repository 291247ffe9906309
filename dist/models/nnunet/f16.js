/**
 * IEEE half-precision rounding, for reproducing nnU-Net's float16 accumulators bit for bit
 * (Node 20 has neither Math.f16round nor Float16Array). Values stay in ordinary number arrays;
 * only their rounding is half precision.
 */
/** Round to nearest even integer (numpy's rounding, Python's round). */
export function roundHalfEven(x) {
    const f = Math.floor(x);
    const d = x - f;
    if (d > 0.5)
        return f + 1;
    if (d < 0.5)
        return f;
    return f % 2 === 0 ? f : f + 1;
}
const MAX_FINITE_PLUS_HALF_ULP = 65520;
/** x rounded once to the nearest float16 (ties to even; overflow to ±Infinity), as numpy casts float64. */
export function f16round(x) {
    if (x === 0 || !Number.isFinite(x))
        return x;
    const a = Math.abs(x);
    if (a >= MAX_FINITE_PLUS_HALF_ULP)
        return x > 0 ? Infinity : -Infinity;
    let e = Math.floor(Math.log2(a));
    // log2 can be off by one next to a power of two.
    if (2 ** e > a)
        e--;
    else if (2 ** (e + 1) <= a)
        e++;
    // Below 2^-14 the spacing stays 2^-24 (subnormals).
    const quantum = 2 ** (Math.max(e, -14) - 10);
    const r = roundHalfEven(a / quantum) * quantum;
    return x > 0 ? r : -r;
}
const word = new Float32Array(1);
const bits = new Uint32Array(word.buffer);
/**
 * f16round for a value that is already a float32 (the accumulators' case), on its bits: the 13
 * low mantissa bits are dropped with round-to-nearest-even. Same result as f16round, ~20x faster.
 */
export function f16roundFloat32(x) {
    word[0] = x;
    const b = bits[0];
    const magnitude = b & 0x7fffffff;
    // Below 2^-14 (float16 subnormals) and from 65520 up (overflow), or NaN: the general path.
    if (magnitude < 0x38800000 || magnitude >= 0x477ff000)
        return f16round(word[0]);
    bits[0] = (b + 0x0fff + ((b >>> 13) & 1)) & 0xffffe000;
    return word[0];
}
/** float → float16 as torch casts (the value is float32 first, then rounded to half). */
export function f16FromFloat32(x) {
    return f16roundFloat32(Math.fround(x));
}
