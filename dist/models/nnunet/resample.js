const SPLINE_PAD = 12;
const POLE = Math.sqrt(3) - 2;
/** Target size per axis: round(old spacing / new spacing · old size), ties to even (Python's round). */
export function nnunetShape(shape, spacing, target) {
    return [0, 1, 2].map((d) => pyRound((spacing[d] / target[d]) * shape[d]));
}
function pyRound(x) {
    const f = Math.floor(x);
    const d = x - f;
    return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}
/** The low-resolution axis resampled on its own, or null (nnU-Net's separate-z rule). */
export function separateZAxis(current, target, spec, threshold) {
    const lowres = (s) => {
        const max = Math.max(...s);
        const axes = [0, 1, 2].filter((d) => max / s[d] === 1);
        return axes.length === 1 ? axes[0] : null;
    };
    const anisotropic = (s) => Math.max(...s) / Math.min(...s) > threshold;
    if (spec.forceSeparateZ !== null)
        return spec.forceSeparateZ ? lowres(current) : null;
    if (anisotropic(current))
        return lowres(current);
    if (anisotropic(target))
        return lowres(target);
    return null;
}
export function resampleChannel(data, dims, shape, current, target, spec, threshold, round) {
    if (dims[0] === shape[0] && dims[1] === shape[1] && dims[2] === shape[2])
        return data;
    const axis = separateZAxis(current, target, spec, threshold);
    let out;
    if (axis === null) {
        out = Float64Array.from(data);
        let d = dims;
        for (let a = 0; a < 3; a++)
            [out, d] = zoomAxis(out, d, a, shape[a], spec.order);
        clipToRange(out, data, 0, data.length, 1);
    }
    else {
        out = resizeSlices(data, dims, shape, axis, spec.order);
        const d = [0, 1, 2].map((a) => (a === axis ? dims[a] : shape[a]));
        if (dims[axis] !== shape[axis])
            out = zoomAxis(out, d, axis, shape[axis], spec.orderZ)[0];
    }
    const result = new Float32Array(out.length);
    for (let i = 0; i < out.length; i++)
        result[i] = round(out[i]);
    return result;
}
/** Each slice across `axis` resized in-plane and clipped to its own range (the separate-z first step). */
function resizeSlices(data, dims, shape, axis, order) {
    const inPlane = [0, 1, 2].filter((a) => a !== axis);
    const sliceDims = inPlane.map((a) => dims[a]);
    const outDims = inPlane.map((a) => shape[a]);
    const outShape = [0, 1, 2].map((a) => (a === axis ? dims[a] : shape[a]));
    const out = new Float64Array(outShape[0] * outShape[1] * outShape[2]);
    const strideIn = [dims[1] * dims[2], dims[2], 1];
    const strideOut = [outShape[1] * outShape[2], outShape[2], 1];
    for (let s = 0; s < dims[axis]; s++) {
        let slice = new Float64Array(sliceDims[0] * sliceDims[1]);
        for (let u = 0, o = 0; u < sliceDims[0]; u++) {
            for (let v = 0; v < sliceDims[1]; v++)
                slice[o++] = data[s * strideIn[axis] + u * strideIn[inPlane[0]] + v * strideIn[inPlane[1]]];
        }
        const original = Float64Array.from(slice);
        let d = [1, sliceDims[0], sliceDims[1]];
        [slice, d] = zoomAxis(slice, d, 1, outDims[0], order);
        [slice, d] = zoomAxis(slice, d, 2, outDims[1], order);
        clipToRange(slice, original, 0, original.length, 1);
        for (let u = 0, o = 0; u < outDims[0]; u++) {
            for (let v = 0; v < outDims[1]; v++)
                out[s * strideOut[axis] + u * strideOut[inPlane[0]] + v * strideOut[inPlane[1]]] = slice[o++];
        }
    }
    return out;
}
function clipToRange(values, source, start, end, step) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = start; i < end; i += step) {
        if (source[i] < lo)
            lo = source[i];
        if (source[i] > hi)
            hi = source[i];
    }
    for (let i = 0; i < values.length; i++)
        values[i] = values[i] < lo ? lo : values[i] > hi ? hi : values[i];
}
/** One axis zoomed to `length` (scipy.ndimage.zoom, grid_mode, mode 'nearest'); returns the data and its dims. */
export function zoomAxis(data, dims, axis, length, order) {
    const n = dims[axis];
    const outDims = [dims[0], dims[1], dims[2]];
    outDims[axis] = length;
    if (n === length)
        return [data, dims];
    const out = new Float64Array(outDims[0] * outDims[1] * outDims[2]);
    const strideIn = [dims[1] * dims[2], dims[2], 1][axis];
    const strideOut = [outDims[1] * outDims[2], outDims[2], 1][axis];
    const taps = lineTaps(n, length, order);
    const line = new Float64Array(order === 3 ? n + 2 * SPLINE_PAD : n);
    const [o0, o1] = [0, 1, 2].filter((a) => a !== axis);
    const inOuter = [dims[1] * dims[2], dims[2], 1];
    const outOuter = [outDims[1] * outDims[2], outDims[2], 1];
    for (let u = 0; u < dims[o0]; u++) {
        for (let v = 0; v < dims[o1]; v++) {
            const base = u * inOuter[o0] + v * inOuter[o1];
            const outBase = u * outOuter[o0] + v * outOuter[o1];
            if (order === 3) {
                for (let p = 0; p < line.length; p++)
                    line[p] = data[base + Math.min(Math.max(p - SPLINE_PAD, 0), n - 1) * strideIn];
                prefilter(line);
            }
            else {
                for (let p = 0; p < n; p++)
                    line[p] = data[base + p * strideIn];
            }
            for (let o = 0; o < length; o++) {
                let sum = 0;
                for (let t = 0; t < taps.count; t++)
                    sum += taps.weight[o * taps.count + t] * line[taps.index[o * taps.count + t]];
                out[outBase + o * strideOut] = sum;
            }
        }
    }
    return [out, outDims];
}
/** Interpolation taps of every output position of a line (indices into the padded line for order 3). */
function lineTaps(n, length, order) {
    const count = order + 1;
    const index = new Int32Array(length * count);
    const weight = new Float64Array(length * count);
    const ratio = n / length;
    const pad = order === 3 ? SPLINE_PAD : 0;
    const last = n + 2 * pad - 1;
    for (let o = 0; o < length; o++) {
        const c = (o + 0.5) * ratio - 0.5 + pad;
        const w = weight.subarray(o * count, (o + 1) * count);
        let start;
        if (order === 0) {
            start = Math.floor(c + 0.5);
            w[0] = 1;
        }
        else {
            start = Math.floor(c) - (order === 3 ? 1 : 0);
            const t = c - Math.floor(c);
            if (order === 1) {
                w[0] = 1 - t;
                w[1] = t;
            }
            else {
                const s = 1 - t;
                w[0] = (s * s * s) / 6;
                w[1] = (4 - 6 * t * t + 3 * t * t * t) / 6;
                w[2] = (1 + 3 * t + 3 * t * t - 3 * t * t * t) / 6;
                w[3] = (t * t * t) / 6;
            }
        }
        for (let k = 0; k < count; k++)
            index[o * count + k] = Math.min(Math.max(start + k, 0), last);
    }
    return { count, index, weight };
}
/** Cubic B-spline coefficients of a line in place (scipy's spline_filter1d, order 3, mode 'nearest'). */
function prefilter(c) {
    const n = c.length;
    const z = POLE;
    const gain = (1 - z) * (1 - 1 / z);
    for (let i = 0; i < n; i++)
        c[i] *= gain;
    // Causal initialisation for a reflected ("half-sample symmetric") boundary.
    const zn = z ** n;
    const c0 = c[0];
    let sum = c[0] + zn * c[n - 1];
    let zi = z;
    for (let i = 1; i < n; i++) {
        sum += zi * (c[i] + zn * c[n - 1 - i]);
        zi *= z;
    }
    c[0] = (sum * z) / (1 - zn * zn) + c0;
    for (let i = 1; i < n; i++)
        c[i] += z * c[i - 1];
    c[n - 1] *= z / (z - 1);
    for (let i = n - 1; i > 0; i--)
        c[i - 1] = z * (c[i] - c[i - 1]);
}
