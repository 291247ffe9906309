/**
 * Intensity normalisation applied before a model sees the image. Pure functions: the input is
 * never modified and the result is always a new Float32Array (what ONNX models take).
 * Arithmetic is done in float64 and rounded once on store.
 */
import { UnisegError } from "../errors.js";
/**
 * MONAI ScaleIntensityRange: (x - aMin) / (aMax - aMin) * (bMax - bMin) + bMin, then, with
 * `clip`, limited to the output range.
 *
 * Two deliberate differences from MONAI, both for inputs MONAI only warns about or mishandles:
 *  - aMin == aMax is an INVALID_ARGUMENT error. MONAI warns and returns x - aMin + bMin, which
 *    feeds a model unscaled Hounsfield units; a manifest saying so is a mistake, not a request.
 *  - with bMin > bMax (an inverted output range) clip limits to [bMax, bMin]; MONAI's clip with
 *    min > max sets every voxel to bMax.
 */
export function scaleIntensityRange(data, range) {
    for (const field of ['aMin', 'aMax', 'bMin', 'bMax'])
        requireFinite(range[field], field);
    const { aMin, aMax, bMin, bMax, clip } = range;
    if (aMin === aMax) {
        throw new UnisegError('INVALID_ARGUMENT', `intensity range aMin and aMax must differ; both are ${aMin}`, {
            field: 'aMin/aMax',
            value: [aMin, aMax],
        });
    }
    const scale = (bMax - bMin) / (aMax - aMin);
    const lo = clip ? Math.min(bMin, bMax) : -Infinity;
    const hi = clip ? Math.max(bMin, bMax) : Infinity;
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) {
        const v = (data[i] - aMin) * scale + bMin;
        out[i] = v < lo ? lo : v > hi ? hi : v;
    }
    return out;
}
/**
 * (x - mean) / std. A standard deviation of 0 (a constant image, or one given as 0) is treated as
 * 1, so the result is x - mean rather than infinities; MONAI's NormalizeIntensity does the same.
 * Empty input gives an empty result.
 */
export function zscore(data, options = {}) {
    if (options.mean !== undefined)
        requireFinite(options.mean, 'mean');
    if (options.std !== undefined) {
        requireFinite(options.std, 'std');
        if (options.std < 0)
            throw new UnisegError('INVALID_ARGUMENT', `zscore std must not be negative; got ${options.std}`, { field: 'std', value: options.std });
    }
    const n = data.length;
    if (n === 0)
        return new Float32Array(0);
    let dataMean = 0;
    if (options.mean === undefined || options.std === undefined) {
        for (let i = 0; i < n; i++)
            dataMean += data[i];
        dataMean /= n;
    }
    const mean = options.mean ?? dataMean;
    let std = options.std;
    if (std === undefined) {
        // Two passes (around the data's own mean, whatever `mean` was given), so a large offset such
        // as HU near -1000 does not cancel digits the way sum-of-squares minus squared-sum would.
        let sq = 0;
        for (let i = 0; i < n; i++) {
            const d = data[i] - dataMean;
            sq += d * d;
        }
        std = Math.sqrt(sq / n);
    }
    const divisor = std === 0 ? 1 : std;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++)
        out[i] = (data[i] - mean) / divisor;
    return out;
}
/**
 * MONAI NormalizeIntensity with the image's own statistics: (x - mean) / std, population std
 * (0 counts as 1). With `nonzero`, only voxels != 0 are used and changed; none at all leaves the
 * image unchanged, as MONAI does.
 */
export function normalizeIntensity(data, options) {
    const out = Float32Array.from(data);
    const { nonzero, mask } = options;
    const use = (i) => !nonzero || (mask ? mask[i] !== 0 : data[i] !== 0);
    let n = 0;
    let sum = 0;
    for (let i = 0; i < data.length; i++) {
        if (use(i)) {
            n++;
            sum += data[i];
        }
    }
    if (n === 0)
        return out;
    const mean = sum / n;
    let sq = 0;
    for (let i = 0; i < data.length; i++) {
        if (use(i))
            sq += (data[i] - mean) ** 2;
    }
    const std = Math.sqrt(sq / n) || 1;
    for (let i = 0; i < data.length; i++)
        if (use(i))
            out[i] = (data[i] - mean) / std;
    return out;
}
/** MONAI ScaleIntensity: the image's [min, max] mapped onto [minv, maxv] (a constant image becomes x · minv, as MONAI does). */
export function scaleIntensity(data, minv, maxv) {
    requireFinite(minv, 'minv');
    requireFinite(maxv, 'maxv');
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < data.length; i++) {
        if (data[i] < lo)
            lo = data[i];
        if (data[i] > hi)
            hi = data[i];
    }
    const out = new Float32Array(data.length);
    if (lo === hi) {
        for (let i = 0; i < data.length; i++)
            out[i] = data[i] * minv;
        return out;
    }
    for (let i = 0; i < data.length; i++)
        out[i] = ((data[i] - lo) / (hi - lo)) * (maxv - minv) + minv;
    return out;
}
/**
 * Parses `none`, `clip:LO,HI,OUTLO,OUTHI` (scale [LO,HI] to [OUTLO,OUTHI] and clip) and
 * `zscore:MEAN,STD`; bare `zscore` takes both from the image. Case and spaces around the
 * parts are ignored. Anything else is INVALID_ARGUMENT naming the spec.
 */
export function parseIntensity(spec) {
    const text = String(spec).trim();
    const colon = text.indexOf(':');
    const kind = (colon < 0 ? text : text.slice(0, colon)).trim().toLowerCase();
    const args = colon < 0 ? undefined : text.slice(colon + 1);
    const bad = (why) => {
        throw new UnisegError('INVALID_ARGUMENT', `intensity "${spec}" ${why}; expected none, clip:LO,HI,OUTLO,OUTHI or zscore:MEAN,STD`, {
            field: 'intensity',
            value: spec,
        });
    };
    const numbers = (count) => {
        const parts = (args ?? '').split(',').map((p) => p.trim());
        if (parts.length !== count)
            bad(`needs ${count} comma-separated numbers after "${kind}:"`);
        return parts.map((p) => {
            const v = p === '' ? NaN : Number(p);
            if (!Number.isFinite(v))
                bad(`has "${p}" where a number belongs`);
            return v;
        });
    };
    if (kind === 'none' && args === undefined)
        return { kind: 'none' };
    if (kind === 'zscore' && args === undefined)
        return { kind: 'zscore' };
    if (kind === 'zscore') {
        const [mean, std] = numbers(2);
        if (std < 0)
            bad('has a negative std');
        return { kind: 'zscore', mean, std };
    }
    if (kind === 'clip') {
        const [aMin, aMax, bMin, bMax] = numbers(4);
        if (aMin === aMax)
            bad('has LO equal to HI');
        return { kind: 'clip', aMin, aMax, bMin, bMax };
    }
    return bad(kind === 'none' ? 'takes no arguments' : `has unknown kind "${kind}"`);
}
/** The spec text for a transform, so logs and reports show what `parseIntensity` would read back. */
export function formatIntensity(t) {
    if (t.kind === 'none')
        return 'none';
    if (t.kind === 'clip')
        return `clip:${t.aMin},${t.aMax},${t.bMin},${t.bMax}`;
    return t.mean === undefined ? 'zscore' : `zscore:${t.mean},${t.std}`;
}
export function applyIntensity(data, transform) {
    switch (transform.kind) {
        case 'none':
            return Float32Array.from(data);
        case 'clip':
            return scaleIntensityRange(data, { ...transform, clip: true });
        case 'zscore':
            return zscore(data, { mean: transform.mean, std: transform.std });
        default:
            throw new UnisegError('INVALID_ARGUMENT', `intensity transform kind ${JSON.stringify(transform.kind)} is unknown`, {
                field: 'intensity.kind',
                value: transform.kind,
            });
    }
}
function requireFinite(value, field) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new UnisegError('INVALID_ARGUMENT', `intensity ${field} must be a finite number; got ${String(value)}`, { field, value });
    }
}
