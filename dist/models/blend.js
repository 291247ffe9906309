/**
 * Gaussian blending of window outputs over the padded tensor grid: sum(w * raw output) / sum(w)
 * per output key and channel. Every key may run on its own subset of windows (locate, air
 * skipping), so each key can own its weight sum; when all keys run on every window they share one,
 * which keeps the arithmetic of the plain sliding window exactly. With float16, every weighted sum
 * and every quotient is rounded to float16 as nnU-Net's accumulators are (nnunet/f16.ts).
 */
import { UnisegError } from "../errors.js";
import { f16roundFloat32 } from "./nnunet/f16.js";
/** A logit so low that its probability is below 1e-13 (and above float32's smallest normal in exp). */
export const BACKGROUND_LOGIT = -30;
export class Blender {
    padded;
    roi;
    weight;
    accumulators = new Map();
    wantsAll = new Set();
    weights = new Map();
    size;
    round;
    constructor(padded, roi, weight, outputs, 
    /** One weight sum for every key (every key runs on every window). */
    shared, 
    /** Round accumulation and division to float16 (nnU-Net's predictor). */
    float16 = false) {
        this.padded = padded;
        this.roi = roi;
        this.weight = weight;
        this.round = float16 ? f16roundFloat32 : null;
        this.size = padded[0] * padded[1] * padded[2];
        const common = shared ? new Float32Array(this.size) : undefined;
        for (const { key, channels } of outputs) {
            const perChannel = this.accumulators.get(key) ?? new Map();
            if (channels === 'all')
                this.wantsAll.add(key);
            else
                for (const c of channels)
                    if (!perChannel.has(c))
                        perChannel.set(c, new Float32Array(this.size));
            this.accumulators.set(key, perChannel);
            if (!this.weights.has(key))
                this.weights.set(key, common ?? new Float32Array(this.size));
        }
    }
    keys() {
        return [...this.accumulators.keys()];
    }
    /** Adds batch item `b` of `outputs` at `corner` to the given keys. */
    add(corner, outputs, b, batch, keys) {
        const roiSize = this.roi[0] * this.roi[1] * this.roi[2];
        const added = new Set();
        for (const key of keys) {
            const sum = this.weights.get(key);
            if (!added.has(sum)) {
                addWeighted(sum, this.padded, corner, this.roi, this.weight, null, 0, this.round);
                added.add(sum);
            }
        }
        for (const key of keys) {
            const perChannel = this.accumulators.get(key);
            const tensor = outputs.get(key);
            checkOutputDims(tensor, key, batch, this.roi);
            const channelCount = tensor.dims[1];
            if (this.wantsAll.has(key) && perChannel.size < channelCount) {
                for (let c = 0; c < channelCount; c++)
                    if (!perChannel.has(c))
                        perChannel.set(c, new Float32Array(this.size));
            }
            for (const [c, acc] of perChannel) {
                if (c >= channelCount) {
                    throw new UnisegError('MODEL_TENSOR_MISMATCH', `output ${key} has ${channelCount} channels; channel ${c} was requested`, { key, channel: c, channels: channelCount });
                }
                addWeighted(acc, this.padded, corner, this.roi, this.weight, tensor.data, (b * channelCount + c) * roiSize, this.round);
            }
        }
    }
    /** The weighted sums so far (not yet divided), for a coarse look before the blend is finished. */
    raw(key) {
        return { channels: this.accumulators.get(key), weightSum: this.weights.get(key) };
    }
    /**
     * Divides by the weight sums. Voxels no window of a key covered, and voxels outside `inside` (when
     * given for that key), get the key's background logits instead. Accumulators are reused in place.
     */
    finish(background, inside) {
        const out = new Map();
        for (const [key, perChannel] of this.accumulators) {
            const sum = this.weights.get(key);
            const bg = background?.get(key);
            const keep = inside?.get(key);
            const round = this.round;
            for (const [c, acc] of perChannel) {
                if (!bg) {
                    if (round)
                        for (let i = 0; i < acc.length; i++)
                            acc[i] = round(Math.fround(acc[i] / sum[i]));
                    else
                        for (let i = 0; i < acc.length; i++)
                            acc[i] /= sum[i];
                    continue;
                }
                const fill = bg.channel === c ? 0 : BACKGROUND_LOGIT;
                const divide = round ?? Math.fround;
                for (let i = 0; i < acc.length; i++)
                    acc[i] = sum[i] > 0 && (!keep || keep[i] === 1) ? divide(Math.fround(acc[i] / sum[i])) : fill;
            }
            out.set(key, perChannel);
        }
        this.weights.clear();
        return out;
    }
}
function checkOutputDims(tensor, key, batch, roi) {
    const d = tensor.dims;
    if (d.length !== 5 || d[0] !== batch || d[2] !== roi[0] || d[3] !== roi[1] || d[4] !== roi[2]) {
        throw new UnisegError('MODEL_TENSOR_MISMATCH', `output ${key} has dims [${d.join(', ')}]; expected [${batch}, C, ${roi.join(', ')}]`, {
            key,
            dims: d,
            expected: [batch, 'C', ...roi],
        });
    }
}
/**
 * acc[window] += w * values[offset...] (or += w when values is null, for the weight sum). With
 * `round`, each sum is computed in float32 and rounded by it (nnU-Net's float16 accumulators).
 */
function addWeighted(acc, size, corner, roi, w, values, offset, round) {
    if (round)
        return addWeightedRounded(acc, size, corner, roi, w, values, offset, round);
    let o = 0;
    for (let a = 0; a < roi[0]; a++) {
        for (let b = 0; b < roi[1]; b++) {
            let dst = ((corner[0] + a) * size[1] + (corner[1] + b)) * size[2] + corner[2];
            if (values) {
                let src = offset + o;
                for (let c = 0; c < roi[2]; c++)
                    acc[dst++] += w[o + c] * values[src++];
            }
            else {
                for (let c = 0; c < roi[2]; c++)
                    acc[dst++] += w[o + c];
            }
            o += roi[2];
        }
    }
}
function addWeightedRounded(acc, size, corner, roi, w, values, offset, round) {
    let o = 0;
    for (let a = 0; a < roi[0]; a++) {
        for (let b = 0; b < roi[1]; b++) {
            let dst = ((corner[0] + a) * size[1] + (corner[1] + b)) * size[2] + corner[2];
            for (let c = 0; c < roi[2]; c++, dst++) {
                const add = values ? Math.fround(w[o + c] * values[offset + o + c]) : w[o + c];
                acc[dst] = round(Math.fround(acc[dst] + add));
            }
            o += roi[2];
        }
    }
}
