/** Activations applied after blending (as MONAI and nnU-Net do): softmax over channels, sigmoid per channel. */
/**
 * Softmax across channel arrays, voxel by voxel, into `out` (new arrays by default; passing
 * `channels` itself works in place, which matters for 100+ channel networks on large grids).
 */
export function softmaxChannels(channels, out = channels.map((c) => new Float32Array(c.length))) {
    const n = channels[0]?.length ?? 0;
    const tmp = new Float64Array(channels.length);
    for (let v = 0; v < n; v++) {
        let max = -Infinity;
        for (let c = 0; c < channels.length; c++)
            if (channels[c][v] > max)
                max = channels[c][v];
        let sum = 0;
        for (let c = 0; c < channels.length; c++) {
            tmp[c] = Math.exp(channels[c][v] - max);
            sum += tmp[c];
        }
        for (let c = 0; c < channels.length; c++)
            out[c][v] = tmp[c] / sum;
    }
    return out;
}
export function sigmoid(data) {
    const out = new Float32Array(data.length);
    for (let v = 0; v < data.length; v++)
        out[v] = 1 / (1 + Math.exp(-data[v]));
    return out;
}
