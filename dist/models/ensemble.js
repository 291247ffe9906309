/**
 * Ensembles: a tensor that is the mean of other tensors' blended maps (the folds of one nnU-Net
 * network). Each member is planned and blended on its own; after blending, the members are summed
 * in their listed order and divided by their count (nnU-Net's predictor averages fold logits this
 * way, in float16). A task reading an ensemble plans every member; `--fold K` reads one member.
 */
import { UnisegError } from "../errors.js";
import { f16roundFloat32 } from "./nnunet/f16.js";
import { planOutput } from "./plan.js";
/** The plan of a task's output: its part chain, or every member's chain for an ensemble. */
export function planTaskOutput(manifest, task, pathway = [], fold) {
    return planTensor(manifest, task.output.tensor, pathway, `task "${task.name}"`, fold);
}
/** planOutput for any tensor, ensembles included; `fold` picks one member (0-based). */
export function planTensor(manifest, tensor, pathway = [], owner = `tensor "${tensor}"`, fold) {
    const ensemble = manifest.ensembles[tensor];
    if (!ensemble)
        return planOutput(manifest, tensor, pathway, owner);
    const members = fold === undefined ? ensemble.members : [memberOf(tensor, ensemble.members, fold)];
    const plans = members.map((member) => planOutput(manifest, member, pathway, owner));
    const seen = new Set();
    const steps = [];
    for (const plan of plans)
        for (const step of plan.steps)
            if (!seen.has(step.key))
                (seen.add(step.key), steps.push(step));
    const keys = plans.map((p) => p.outputKey);
    if (fold !== undefined)
        return { steps, outputKey: keys[0] };
    return { steps, outputKey: `${tensor}(${keys.join(',')})`, members: keys };
}
/** The mean of an ensemble's member outputs of one network run, in float32, members in order. */
export function meanOfMembers(outputs, members) {
    const first = outputs.get(members[0]);
    const sum = Float32Array.from(first.data);
    for (const key of members.slice(1)) {
        const values = outputs.get(key).data;
        for (let i = 0; i < sum.length; i++)
            sum[i] += values[i];
    }
    for (let i = 0; i < sum.length; i++)
        sum[i] /= members.length;
    return { data: sum, dims: first.dims };
}
/** Fold K: the member named `….fold_K` (nnU-Net's fold number), else the K-th member (0-based). */
function memberOf(name, members, fold) {
    const named = members.find((m) => m.endsWith(`.fold_${fold}`));
    if (named)
        return named;
    if (Number.isInteger(fold) && fold >= 0 && fold < members.length)
        return members[fold];
    throw new UnisegError('INVALID_ARGUMENT', `fold ${fold} does not exist: ensemble "${name}" has ${members.length} member(s): ${members.join(', ')}`, {
        field: '--fold',
        value: fold,
        members,
    });
}
/** The keys the sliding window must blend for these plans (members instead of ensembles). */
export function blendKeys(plan) {
    return plan.members ?? [plan.outputKey];
}
/** Adds each ensemble plan's combined map (per channel) to `blended`, members averaged in order. */
export function combineEnsembles(blended, plans, float16) {
    const round = float16 ? f16roundFloat32 : Math.fround;
    for (const plan of plans) {
        if (!plan.members || blended.has(plan.outputKey))
            continue;
        const maps = plan.members.map((k) => blended.get(k));
        const combined = new Map();
        for (const channel of maps[0].keys()) {
            const sum = Float32Array.from(maps[0].get(channel));
            for (const other of maps.slice(1)) {
                const values = other.get(channel);
                for (let i = 0; i < sum.length; i++)
                    sum[i] = round(Math.fround(sum[i] + values[i]));
            }
            if (maps.length > 1)
                for (let i = 0; i < sum.length; i++)
                    sum[i] = round(Math.fround(sum[i] / maps.length));
            combined.set(channel, sum);
        }
        blended.set(plan.outputKey, combined);
    }
}
