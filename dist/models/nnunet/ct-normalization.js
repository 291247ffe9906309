export function ctNormalise(data, spec) {
    const lower = Math.fround(spec.lower);
    const upper = Math.fround(spec.upper);
    const mean = Math.fround(spec.mean);
    const std = Math.fround(Math.max(spec.std, 1e-8));
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) {
        const x = Math.fround(data[i]);
        const clipped = x < lower ? lower : x > upper ? upper : x;
        out[i] = Math.fround(clipped - mean) / std;
    }
    return out;
}
