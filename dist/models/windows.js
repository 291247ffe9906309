/**
 * Sliding-window geometry with MONAI sliding_window_inference semantics: symmetric padding up to
 * the roi, a dense grid of window starts with step roi * (1 - overlap) whose last window is flush
 * with the end, and a separable gaussian importance map.
 */
export function windowLayout(size, roi, overlap) {
    const padded = [0, 1, 2].map((d) => Math.max(size[d], roi[d]));
    const padBefore = [0, 1, 2].map((d) => Math.floor((padded[d] - size[d]) / 2));
    const starts = [0, 1, 2].map((d) => axisStarts(padded[d], roi[d], overlap));
    return { padded, padBefore, starts, count: starts[0].length * starts[1].length * starts[2].length };
}
function axisStarts(size, roi, overlap) {
    const step = roi === size ? roi : Math.max(1, Math.floor(roi * (1 - overlap)));
    const starts = [];
    for (let start = 0;; start += step) {
        if (start + roi >= size) {
            starts.push(size - roi);
            return starts;
        }
        starts.push(start);
    }
}
/**
 * The importance map over a window, laid out in the order of `dims` (C order, last dim fastest):
 * prod_d exp(-(x_d - (n_d - 1) / 2)^2 / (2 (sigmaScale n_d)^2)), floored at max(min, 1e-3).
 */
export function gaussianImportance(dims, sigmaScale) {
    const axes = dims.map((n) => {
        const sigma = sigmaScale * n;
        const centre = (n - 1) / 2;
        return Float64Array.from({ length: n }, (_, x) => Math.exp(-((x - centre) ** 2) / (2 * sigma * sigma)));
    });
    const [a, b, c] = axes;
    const out = new Float32Array(dims[0] * dims[1] * dims[2]);
    let min = Infinity;
    let o = 0;
    for (let x = 0; x < dims[0]; x++) {
        for (let y = 0; y < dims[1]; y++) {
            const ab = a[x] * b[y];
            for (let z = 0; z < dims[2]; z++) {
                const w = Math.fround(ab * c[z]);
                out[o++] = w;
                if (w > 0 && w < min)
                    min = w;
            }
        }
    }
    const floor = Math.max(min, 1e-3);
    for (let i = 0; i < out.length; i++)
        if (out[i] < floor)
            out[i] = floor;
    return out;
}
