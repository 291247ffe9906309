import { sigmoid, softmaxChannels } from "./activation.js";
import { fillHoles, largestComponent } from "./components.js";
/** Probabilities per output key and channel (volume order on the model grid); softmax overwrites the blended logits. */
export function activate(blended, prompts) {
    const softmaxKeys = new Set(prompts.filter((p) => p.task.activation === 'softmax').map((p) => p.outputKey));
    const out = new Map();
    for (const [key, perChannel] of blended) {
        const channels = [...perChannel.keys()].sort((a, b) => a - b);
        const probs = new Map();
        const sigmoidToo = prompts.some((p) => p.outputKey === key && p.task.activation === 'sigmoid');
        if (sigmoidToo) {
            const sig = new Map();
            for (const c of channels)
                sig.set(c, sigmoid(perChannel.get(c)));
            out.set(`${key}#sigmoid`, sig);
        }
        if (softmaxKeys.has(key)) {
            const logits = channels.map((c) => perChannel.get(c));
            // The blended logits are not read again: softmax overwrites them instead of doubling the memory.
            const soft = softmaxChannels(logits, logits);
            channels.forEach((c, i) => probs.set(c, soft[i]));
        }
        // A key read by both a softmax and a sigmoid task keeps the softmax view for softmax tasks;
        // sigmoid tasks have their own entries (made above, before softmax overwrote the logits).
        out.set(key, probs);
    }
    return out;
}
export function buildDecisions(probabilities, prompts, modelShape) {
    const channels = [];
    const index = new Map();
    const add = (array) => {
        let i = index.get(array);
        if (i === undefined) {
            i = channels.length;
            channels.push(array);
            index.set(array, i);
        }
        return i;
    };
    const decisions = prompts.map((p) => {
        const { task } = p;
        const key = task.activation === 'softmax' ? p.outputKey : `${p.outputKey}#sigmoid`;
        const perChannel = probabilities.get(key);
        const labelValues = Object.values(task.labels);
        const valueOf = new Map(task.output.channels.map((c, i) => [c, labelValues[i]]));
        // Softmax: every channel competes in the argmax; sigmoid: only the task's channels.
        const used = task.activation === 'softmax' ? [...perChannel.keys()].sort((a, b) => a - b) : task.output.channels;
        let arrays = used.map((c) => perChannel.get(c));
        const values = used.map((c) => valueOf.get(c) ?? 0);
        if (p.largestComponent || p.fillHoles) {
            arrays = postprocess(arrays, values, task, modelShape, p);
        }
        return {
            candidates: arrays.map(add),
            values,
            activation: task.activation,
            threshold: task.threshold,
            keepProbability: p.keepProbability,
            rank: p.rank,
        };
    });
    return { channels, decisions };
}
/**
 * Applies largest-component / fill-holes to the prompt's foreground decided on the model grid,
 * then edits copies of its label channels so the input-grid decision follows: voxels removed get
 * probability 0 in the prompt's label channels, voxels filled get probability 1.
 */
function postprocess(arrays, values, task, shape, p) {
    const n = arrays[0].length;
    const mask = new Uint8Array(n);
    for (let v = 0; v < n; v++) {
        let label = 0;
        let top = task.activation === 'softmax' ? -Infinity : task.threshold;
        for (let q = 0; q < arrays.length; q++) {
            if (arrays[q][v] > top) {
                top = arrays[q][v];
                label = values[q];
            }
        }
        mask[v] = label > 0 ? 1 : 0;
    }
    let kept = p.largestComponent ? largestComponent(mask, shape) : mask;
    if (p.fillHoles)
        kept = fillHoles(kept, shape);
    return arrays.map((array, q) => {
        if (values[q] === 0)
            return array;
        const copy = Float32Array.from(array);
        for (let v = 0; v < n; v++) {
            if (mask[v] && !kept[v])
                copy[v] = 0;
            else if (!mask[v] && kept[v])
                copy[v] = 1;
        }
        return copy;
    });
}
