export function volumeStats(data) {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let count = 0;
    let nonFinite = 0;
    const n = data.length;
    if (data instanceof Float32Array || data instanceof Float64Array) {
        for (let i = 0; i < n; i++) {
            const v = data[i];
            if (v - v !== 0) {
                // NaN − NaN and ∞ − ∞ are NaN; every finite value gives 0.
                nonFinite++;
                continue;
            }
            if (v < min)
                min = v;
            if (v > max)
                max = v;
            sum += v;
        }
        count = n - nonFinite;
    }
    else {
        // Integer arrays cannot hold non-finite values: no check in the hot loop.
        for (let i = 0; i < n; i++) {
            const v = data[i];
            if (v < min)
                min = v;
            if (v > max)
                max = v;
            sum += v;
        }
        count = n;
    }
    if (count === 0)
        return { count, nonFinite, min: NaN, max: NaN, mean: NaN, sum: 0 };
    return { count, nonFinite, min, max, mean: sum / count, sum };
}
