/**
 * a·b + c rounded once (IEEE 754 fusedMultiplyAdd). JavaScript has no Math.fma, and emulating
 * MONAI's resampling needs torch's FMA-contracted arithmetic bit for bit (spacing.ts), so the exact
 * value is formed with BigInt and rounded to nearest, ties to even. Slow (BigInt), meant for the
 * few thousand per-axis values it is used on, not per voxel.
 */
const view = new DataView(new ArrayBuffer(8));
/** x = m · 2^e with m an integer (sign included). x must be finite. */
function decompose(x) {
    view.setFloat64(0, x);
    const hi = view.getUint32(0);
    const lo = view.getUint32(4);
    const sign = hi >>> 31 ? -1n : 1n;
    const exponent = (hi >>> 20) & 0x7ff;
    let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    if (exponent !== 0)
        mantissa |= 1n << 52n;
    return { m: sign * mantissa, e: (exponent === 0 ? 1 : exponent) - 1075 };
}
/** The double nearest to n · 2^e (ties to even); finite results only. */
function compose(n, e) {
    const negative = n < 0n;
    let a = negative ? -n : n;
    let shift = Math.max(a.toString(2).length - 53, -1074 - e);
    if (shift > 0) {
        const s = BigInt(shift);
        const rest = a & ((1n << s) - 1n);
        const half = 1n << (s - 1n);
        a >>= s;
        if (rest > half || (rest === half && (a & 1n) === 1n))
            a += 1n;
    }
    else {
        shift = 0;
    }
    // a < 2^54 and the scale is a power of two: both steps are exact.
    const value = Number(a) * 2 ** (e + shift);
    return negative ? -value : value;
}
export function fma(a, b, c) {
    if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c))
        return a * b + c;
    const x = decompose(a);
    const y = decompose(b);
    const z = decompose(c);
    const pe = x.e + y.e;
    const e = Math.min(pe, z.e);
    const n = ((x.m * y.m) << BigInt(pe - e)) + (z.m << BigInt(z.e - e));
    if (n === 0n)
        return a * b + c;
    return compose(n, e);
}
