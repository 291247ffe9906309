/**
 * Dataflow planning. A task's route chooses which parts are active (the shared parts, the chosen
 * alternative of each stage); the plan lists the part runs needed for its output tensor in
 * dependency order. Each run has a canonical key built from the part and the keys of its inputs,
 * so runs that several tasks need (the encoder, a shared alternative) have the same key and the
 * union of plans runs them once per window.
 */
import { UnisegError } from '../errors.ts';
import type { Manifest, Task } from './manifest.ts';
import type { PartRunner, TensorData } from './parts.ts';

export interface PlanStep {
  /** Canonical key: part name applied to its input keys. */
  readonly key: string;
  readonly part: string;
  /** Keys of the input tensors, in the part's input order. */
  readonly inputKeys: readonly string[];
  /** Keys of the output tensors, in the part's output order. */
  readonly outputKeys: readonly string[];
}

export interface TaskPlan {
  readonly steps: readonly PlanStep[];
  /** Key of the task's output tensor. */
  readonly outputKey: string;
}

export const INPUT_KEY = 'input';

/** Which part produces each tensor for this choice of stage alternatives (1-based, one per stage; empty for none). */
function activeProducers(manifest: Manifest, pathway: readonly number[]): Map<string, string> {
  const stageParts = new Set(manifest.stages.flatMap((s) => s.alternatives));
  const producers = new Map<string, string>();
  for (const [name, part] of Object.entries(manifest.parts)) {
    if (stageParts.has(name)) continue;
    for (const t of part.outputs) producers.set(t, name);
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
    for (const t of manifest.parts[alt].outputs) producers.set(t, alt);
  });
  return producers;
}

/** The pathway a task runs with: its fixed pathway, an explicit one (from a router), or none. */
export function checkPathway(manifest: Manifest, pathway: readonly number[]): void {
  if (pathway.length !== manifest.stages.length) {
    throw new UnisegError('PATHWAY_OUT_OF_RANGE', `pathway ${pathway.join(',')} has ${pathway.length} entries; the package has ${manifest.stages.length} stages`, {
      pathway,
      stages: manifest.stages.length,
    });
  }
  activeProducers(manifest, pathway);
}

/** The stage alternatives a route reads: a pathway route's own, a head's shared-stage pathway, or none. */
export function routePathway(manifest: Manifest, route: { kind: string; pathway?: readonly number[]; head?: string }): number[] {
  if (route.kind === 'pathway') return [...(route.pathway ?? [])];
  if (route.kind === 'head' && route.head) return [...(manifest.heads[route.head]?.pathway ?? [])];
  return [];
}

export function planTask(manifest: Manifest, task: Task, pathway: readonly number[] = []): TaskPlan {
  return planOutput(manifest, task.output.tensor, pathway, `task "${task.name}"`);
}

/** The plan that produces `tensor` with these stage alternatives; `owner` names who asks, in errors. */
export function planOutput(manifest: Manifest, tensor: string, pathway: readonly number[] = [], owner = `tensor "${tensor}"`): TaskPlan {
  const producers = activeProducers(manifest, pathway);
  const steps: PlanStep[] = [];
  const keyOfTensor = new Map<string, string>([[manifest.input.tensor, INPUT_KEY]]);
  const visiting = new Set<string>();

  const resolve = (tensor: string): string => {
    const known = keyOfTensor.get(tensor);
    if (known) return known;
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
    return keyOfTensor.get(tensor)!;
  };

  const outputKey = resolve(tensor);
  return { steps, outputKey };
}

/** The union of several plans, each run once, in an order that respects every plan's dependencies. */
export function unionSteps(plans: readonly TaskPlan[]): PlanStep[] {
  const seen = new Set<string>();
  const steps: PlanStep[] = [];
  for (const plan of plans) {
    for (const step of plan.steps) {
      if (seen.has(step.key)) continue;
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
export async function runSteps(runner: PartRunner, steps: readonly PlanStep[], image: TensorData): Promise<Map<string, TensorData>> {
  const env = new Map<string, TensorData>([[INPUT_KEY, image]]);
  for (const step of steps) {
    const feeds = step.inputKeys.map((k) => env.get(k)!);
    const outs = await runner.run(step.part, feeds);
    step.outputKeys.forEach((k, i) => env.set(k, outs[i]));
  }
  return env;
}
