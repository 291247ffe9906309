/**
 * Dataflow planning. A task's route chooses which parts are active (the shared parts, the chosen
 * alternative of each stage); the plan lists the part runs needed for its output tensor in
 * dependency order. Each run has a canonical key built from the part and the keys of its inputs,
 * so runs that several tasks need (the encoder, a shared alternative) have the same key and the
 * union of plans runs them once per window.
 */
import { UnisegError } from "../errors.js";
export const INPUT_KEY = 'input';
/** Which part produces each tensor for this choice of stage alternatives (1-based, one per stage; empty for none). */
function activeProducers(manifest, pathway) {
    const stageParts = new Set(manifest.stages.flatMap((s) => s.alternatives));
    const producers = new Map();
    for (const [name, part] of Object.entries(manifest.parts)) {
        if (stageParts.has(name))
            continue;
        for (const t of part.outputs)
            producers.set(t, name);
    }
    pathway.forEach((choice, s) => {
        const stage = manifest.stages[s];
        const alt = stage?.alternatives[choice - 1];
        if (!stage || alt === undefined) {
            throw new UnisegError('PATHWAY_OUT_OF_RANGE', `pathway ${pathway.join(',')}: stage ${s + 1} has no alternative ${choice}`, {
                pathway,
                stage: s + 1,
                alternatives: stage?.alternatives.length ?? 0,
            });
        }
        for (const t of manifest.parts[alt].outputs)
            producers.set(t, alt);
    });
    return producers;
}
/** The pathway a task runs with: its fixed pathway, an explicit one (from a router), or none. */
export function checkPathway(manifest, pathway) {
    if (pathway.length !== manifest.stages.length) {
        throw new UnisegError('PATHWAY_OUT_OF_RANGE', `pathway ${pathway.join(',')} has ${pathway.length} entries; the package has ${manifest.stages.length} stages`, {
            pathway,
            stages: manifest.stages.length,
        });
    }
    activeProducers(manifest, pathway);
}
/** The stage alternatives a route reads: a pathway route's own, a head's shared-stage pathway, or none. */
export function routePathway(manifest, route) {
    if (route.kind === 'pathway')
        return [...(route.pathway ?? [])];
    if (route.kind === 'head' && route.head)
        return [...(manifest.heads[route.head]?.pathway ?? [])];
    return [];
}
export function planTask(manifest, task, pathway = []) {
    return planOutput(manifest, task.output.tensor, pathway, `task "${task.name}"`);
}
/** The plan that produces `tensor` with these stage alternatives; `owner` names who asks, in errors. */
export function planOutput(manifest, tensor, pathway = [], owner = `tensor "${tensor}"`) {
    const producers = activeProducers(manifest, pathway);
    const steps = [];
    const keyOfTensor = new Map([[manifest.input.tensor, INPUT_KEY]]);
    const visiting = new Set();
    const resolve = (tensor) => {
        const known = keyOfTensor.get(tensor);
        if (known)
            return known;
        const partName = producers.get(tensor);
        if (!partName) {
            throw new UnisegError('MODEL_TENSOR_MISMATCH', `${owner}: no active part produces tensor "${tensor}"`, {
                owner,
                tensor,
                pathway,
            });
        }
        if (visiting.has(partName)) {
            throw new UnisegError('MODEL_MANIFEST_INVALID', `parts form a cycle through "${partName}"`, { part: partName });
        }
        visiting.add(partName);
        const part = manifest.parts[partName];
        const inputKeys = part.inputs.map(resolve);
        visiting.delete(partName);
        const key = `${partName}(${inputKeys.join(',')})`;
        const outputKeys = part.outputs.map((t) => `${key}.${t}`);
        steps.push({ key, part: partName, inputKeys, outputKeys });
        part.outputs.forEach((t, i) => keyOfTensor.set(t, outputKeys[i]));
        return keyOfTensor.get(tensor);
    };
    const outputKey = resolve(tensor);
    return { steps, outputKey };
}
/** The union of several plans, each run once, in an order that respects every plan's dependencies. */
export function unionSteps(plans) {
    const seen = new Set();
    const steps = [];
    for (const plan of plans) {
        for (const step of plan.steps) {
            if (seen.has(step.key))
                continue;
            seen.add(step.key);
            steps.push(step);
        }
    }
    return steps;
}
/**
 * Runs plan steps once on one batch of inputs (the image under INPUT_KEY) and returns every
 * tensor by key. The one executor: sliding windows, `uniseg verify` and every package shape use it.
 */
export async function runSteps(runner, steps, image) {
    const env = new Map([[INPUT_KEY, image]]);
    for (const step of steps) {
        const feeds = step.inputKeys.map((k) => env.get(k));
        const outs = await runner.run(step.part, feeds);
        step.outputKeys.forEach((k, i) => env.set(k, outs[i]));
    }
    return env;
}
