import { f16FromFloat32, roundHalfEven } from "./f16.js";
export function nnunetAxisStarts(size, patch, step) {
    const n = Math.ceil((size - patch) / (patch * step)) + 1;
    if (n <= 1)
        return [0];
    const actual = (size - patch) / (n - 1);
    return Array.from({ length: n }, (_, i) => roundHalfEven(actual * i));
}
export function nnunetLayout(size, patch, step) {
    const padded = [0, 1, 2].map((d) => Math.max(size[d], patch[d]));
    const padBefore = [0, 1, 2].map((d) => Math.floor((padded[d] - size[d]) / 2));
    const starts = [0, 1, 2].map((d) => nnunetAxisStarts(padded[d], patch[d], step));
    return { padded, padBefore, starts, count: starts[0].length * starts[1].length * starts[2].length };
}
/** scipy.ndimage's 1-D gaussian kernel (truncate 4), normalised to sum 1, indexed by offset + radius. */
function kernel1d(sigma) {
    const radius = Math.trunc(4 * sigma + 0.5);
    const weights = new Float64Array(2 * radius + 1);
    let sum = 0;
    for (let x = -radius; x <= radius; x++) {
        weights[x + radius] = Math.exp((-0.5 / (sigma * sigma)) * x * x);
        sum += weights[x + radius];
    }
    for (let i = 0; i < weights.length; i++)
        weights[i] /= sum;
    return { weights, radius };
}
function axisProfile(n, sigmaScale) {
    const { weights, radius } = kernel1d(n * sigmaScale);
    const centre = Math.floor(n / 2);
    return Float64Array.from({ length: n }, (_, p) => (Math.abs(p - centre) <= radius ? weights[p - centre + radius] : 0));
}
/** The importance map in C order over `patch`, float16 values (as numbers in a Float32Array). */
export function nnunetGaussian(patch, peak = 10, sigmaScale = 1 / 8) {
    const [a, b, c] = patch.map((n) => axisProfile(n, sigmaScale));
    const centre = patch.map((n) => Math.floor(n / 2));
    const max = a[centre[0]] * b[centre[1]] * c[centre[2]];
    const scale = max / peak;
    const out = new Float32Array(patch[0] * patch[1] * patch[2]);
    let smallest = Infinity;
    let o = 0;
    for (let x = 0; x < patch[0]; x++) {
        for (let y = 0; y < patch[1]; y++) {
            const ab = a[x] * b[y];
            for (let z = 0; z < patch[2]; z++) {
                const g = f16FromFloat32((ab * c[z]) / scale);
                out[o++] = g;
                if (g > 0 && g < smallest)
                    smallest = g;
            }
        }
    }
    for (let i = 0; i < out.length; i++)
        if (out[i] === 0)
            out[i] = smallest;
    return out;
}
