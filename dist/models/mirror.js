/** Every non-empty subset of `axes`, by size, then in the order of `axes` (Python's itertools.combinations). */
export function mirrorSubsets(axes) {
    const out = [];
    const choose = (start, size, picked) => {
        if (picked.length === size)
            return void out.push([...picked]);
        for (let i = start; i < axes.length; i++)
            choose(i + 1, size, [...picked, axes[i]]);
    };
    for (let size = 1; size <= axes.length; size++)
        choose(0, size, []);
    return out;
}
/** A [N, C, D0, D1, D2] tensor flipped along the given spatial axes (0-2). */
export function flipSpatial(tensor, axes) {
    const [n, c, d0, d1, d2] = tensor.dims;
    const flip = [0, 1, 2].map((a) => axes.includes(a));
    const out = new Float32Array(tensor.data.length);
    const volume = d0 * d1 * d2;
    for (let b = 0; b < n * c; b++) {
        const base = b * volume;
        for (let x = 0; x < d0; x++) {
            const sx = flip[0] ? d0 - 1 - x : x;
            for (let y = 0; y < d1; y++) {
                const sy = flip[1] ? d1 - 1 - y : y;
                const src = base + (sx * d1 + sy) * d2;
                const dst = base + (x * d1 + y) * d2;
                if (flip[2])
                    for (let z = 0; z < d2; z++)
                        out[dst + z] = tensor.data[src + d2 - 1 - z];
                else
                    out.set(tensor.data.subarray(src, src + d2), dst);
            }
        }
    }
    return { data: out, dims: tensor.dims };
}
/**
 * The outputs `keys` of `run(image)` averaged over the plain and the mirrored passes. `run`
 * returns every tensor by key; only `keys` are flipped back and summed.
 */
export async function runMirrored(run, image, keys, subsets) {
    const plain = await run(image);
    if (subsets.length === 0)
        return plain;
    const sums = new Map(keys.map((k) => [k, Float32Array.from(plain.get(k).data)]));
    for (const axes of subsets) {
        const outputs = await run(flipSpatial(image, axes));
        for (const key of keys) {
            const back = flipSpatial(outputs.get(key), axes).data;
            const sum = sums.get(key);
            for (let i = 0; i < sum.length; i++)
                sum[i] = Math.fround(sum[i] + back[i]);
        }
    }
    const passes = subsets.length + 1;
    const averaged = new Map(plain);
    for (const key of keys) {
        const sum = sums.get(key);
        for (let i = 0; i < sum.length; i++)
            sum[i] = Math.fround(sum[i] / passes);
        averaged.set(key, { data: sum, dims: plain.get(key).dims });
    }
    return averaged;
}
