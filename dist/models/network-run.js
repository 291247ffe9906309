/**
 * The package's network alone on a network-space tensor: no preprocessing, no sliding window, no
 * activation. The same plan and executor as segment() (plan.ts), so a plain network, a gCIS
 * pathway and a clNet head (with its supporting heads) run exactly as they do inside a window.
 * `uniseg verify` compares the result with the PyTorch output a user trusts.
 */
import { UnisegError } from "../errors.js";
import { meanOfMembers, planTensor, planTaskOutput } from "./ensemble.js";
import { routePathway, runSteps } from "./plan.js";
import { promptResolver } from "./routing.js";
export async function runNetwork(model, input, select = {}) {
    const noFolds = (what) => new UnisegError('MODEL_NO_FOLDS', `${what} has no folds: --fold ${select.fold} needs a network converted from an ensemble`, { dir: model.dir, fold: select.fold });
    if (select.fold !== undefined && Object.keys(model.manifest.ensembles).length === 0)
        throw noFolds(`package ${model.dir}`);
    const image = networkInput(model, input);
    const { plan, tensor, ran } = await choosePlan(model, select);
    if (select.fold !== undefined && !model.manifest.ensembles[tensor])
        throw noFolds(`tensor "${tensor}" of package ${model.dir}`);
    const env = await runSteps(model.parts, plan.steps, image);
    const output = plan.members ? meanOfMembers(env, plan.members) : env.get(plan.outputKey);
    const folds = select.fold === undefined ? '' : ` fold ${select.fold} (${model.manifest.ensembles[tensor].members[select.fold]})`;
    return { output, tensor, ran: ran + folds, parts: plan.steps.map((s) => s.part) };
}
/** [D, H, W] or [N, 1, D, H, W] (the package input is one channel); anything else is refused. */
function networkInput(model, input) {
    const dims = input.dims;
    if (dims.length === 3)
        return { data: input.data, dims: [1, 1, ...dims] };
    if (dims.length === 5 && dims[1] === 1)
        return input;
    throw new UnisegError('MODEL_TENSOR_MISMATCH', `the input has dims [${dims.join(', ')}]; the package's input "${model.manifest.input.tensor}" takes [N, 1, D, H, W] (or [D, H, W])`, {
        dims,
    });
}
async function choosePlan(model, select) {
    const { manifest } = model;
    if (select.prompt !== undefined && select.head !== undefined) {
        throw new UnisegError('INVALID_ARGUMENT', 'choose one of a prompt and a head, not both', { prompt: select.prompt, head: select.head });
    }
    if (select.head !== undefined)
        return headPlan(model, select.head, select.fold);
    if (select.prompt !== undefined) {
        const resolved = await promptResolver()(model, select.prompt);
        const pathway = routePathway(manifest, resolved.route);
        const route = resolved.route.kind === 'pathway' ? `pathway ${resolved.route.pathway.join(',')}` : resolved.route.kind === 'head' ? `head ${resolved.route.head}` : 'fixed';
        return { plan: planTaskOutput(manifest, resolved.task, pathway, select.fold), tensor: resolved.task.output.tensor, ran: `task ${resolved.task.name} (${route})` };
    }
    // Without a choice the package must have one network: every task on the same fixed output.
    const outputs = new Set(manifest.tasks.map((t) => (t.route.kind === 'fixed' ? t.output.tensor : `${t.route.kind}:${t.name}`)));
    const heads = Object.keys(manifest.heads);
    if (outputs.size === 1 && manifest.tasks[0].route.kind === 'fixed') {
        const tensor = manifest.tasks[0].output.tensor;
        return { plan: planTensor(manifest, tensor, [], undefined, select.fold), tensor, ran: `the network (${tensor})` };
    }
    if (heads.length === 1 && manifest.tasks.every((t) => t.route.kind === 'head'))
        return headPlan(model, heads[0], select.fold);
    throw new UnisegError('INVALID_ARGUMENT', `package ${manifest.name} holds several networks; choose one with a prompt (${manifest.tasks.map((t) => t.prompt).slice(0, 6).join(', ')}${manifest.tasks.length > 6 ? ', …' : ''})${heads.length ? ` or a head (${heads.join(', ')})` : ''}`, {
        tasks: manifest.tasks.map((t) => t.name),
        heads,
    });
}
function headPlan(model, name, fold) {
    const head = model.manifest.heads[name];
    if (!head) {
        const heads = Object.keys(model.manifest.heads);
        throw new UnisegError('INVALID_ARGUMENT', `package ${model.manifest.name} has no head "${name}"${heads.length ? `; heads: ${heads.join(', ')}` : '; it has no heads'}`, { head: name, heads });
    }
    return { plan: planTensor(model.manifest, head.output, head.pathway ?? [], `head "${name}"`, fold), tensor: head.output, ran: `head ${name}` };
}
/** Element-wise |actual - expected| over two tensors of the same shape (else a typed error naming both). */
export function compareTensors(actual, expected) {
    if (actual.dims.length !== expected.dims.length || actual.dims.some((d, i) => d !== expected.dims[i])) {
        throw new UnisegError('MODEL_TENSOR_MISMATCH', `the network's output has shape [${actual.dims.join(', ')}], the expected tensor [${expected.dims.join(', ')}]`, {
            actual: actual.dims,
            expected: expected.dims,
        });
    }
    let max = 0;
    let sum = 0;
    let scale = 0;
    let worst = 0;
    for (let i = 0; i < actual.data.length; i++) {
        const d = Math.abs(actual.data[i] - expected.data[i]);
        // NaN on either side must count as a failure, not vanish in the comparisons.
        if (!(d <= max)) {
            max = Number.isNaN(d) ? Infinity : d;
            worst = i;
        }
        sum += Number.isNaN(d) ? Infinity : d;
        scale = Math.max(scale, Math.abs(expected.data[i]));
    }
    return { maxAbsDiff: max, meanAbsDiff: sum / actual.data.length, maxAbsExpected: scale, worstIndex: worst, shape: [...actual.dims] };
}
