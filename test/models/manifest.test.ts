import { describe, expect, it } from 'vitest';
import { isUnisegError } from '../../src/errors.ts';
import type { ManifestInput } from '../../src/models/manifest.ts';
import { parseManifest } from '../../src/models/package.ts';
import { planTask, routePathway, unionSteps } from '../../src/models/plan.ts';

function pathwayManifest(): ManifestInput {
  return {
    format: 'uniseg.model/1',
    name: 'm',
    input: { tensor: 'image' },
    preprocess: { orientation: 'RAS', spacing: [3, 3, 3], intensity: { kind: 'none' }, axes: 'xyz' },
    inference: { roi: [16, 16, 16] },
    parts: {
      encoder: { file: 'e.onnx', inputs: ['image'], outputs: ['f0', 'f1'] },
      'dec.1': { file: 'd1.onnx', inputs: ['f1'], outputs: ['up'] },
      'dec.2': { file: 'd2.onnx', inputs: ['f1'], outputs: ['up'] },
      'out.1': { file: 'o1.onnx', inputs: ['up', 'f0'], outputs: ['logits'] },
      'out.2': { file: 'o2.onnx', inputs: ['up', 'f0'], outputs: ['logits'] },
      'head.A': { file: 'ha.onnx', inputs: ['f0'], outputs: ['head.A'] },
      'head.B': { file: 'hb.onnx', inputs: ['f0', 'head.A'], outputs: ['head.B'] },
    },
    stages: [
      { name: 'dec', alternatives: ['dec.1', 'dec.2'] },
      { name: 'out', alternatives: ['out.1', 'out.2'] },
    ],
    heads: {
      A: { parts: ['head.A'], output: 'head.A', labels: { a: 1 } },
      B: { parts: ['head.B'], output: 'head.B', labels: { b: 1 }, supporting: ['A'] },
    },
    tasks: [
      { name: 't1', prompt: 'one', route: { kind: 'pathway', pathway: [1, 2] }, output: { tensor: 'logits', channels: [1] }, labels: { one: 1 }, activation: 'sigmoid' },
      { name: 't2', prompt: 'two', route: { kind: 'pathway', pathway: [1, 1] }, output: { tensor: 'logits', channels: [1] }, labels: { two: 1 }, activation: 'sigmoid' },
      { name: 'tb', prompt: 'bee', route: { kind: 'head', head: 'B' }, output: { tensor: 'head.B', channels: [1] }, labels: { b: 1 }, activation: 'sigmoid' },
    ],
  };
}

/** A head that reads a stage's output (a bottleneck shared with the pathways) at alternative 2. */
function sharedStageManifest(): ManifestInput {
  const m = pathwayManifest();
  m.parts['head.S'] = { file: 'hs.onnx', inputs: ['up', 'f0'], outputs: ['head.S'] };
  m.heads!.S = { parts: ['head.S'], output: 'head.S', labels: { s: 1 }, pathway: [2, 1] };
  m.tasks.push({ name: 'ts', prompt: 'ess', route: { kind: 'head', head: 'S' }, output: { tensor: 'head.S', channels: [1] }, labels: { s: 1 }, activation: 'sigmoid' });
  return m;
}

function expectManifestError(m: unknown, path: string, message: RegExp): void {
  try {
    parseManifest(m, 'model.json');
  } catch (error) {
    expect(isUnisegError(error, 'MODEL_MANIFEST_INVALID')).toBe(true);
    const issues = (error as { details: { issues: { path: string; message: string }[] } }).details.issues;
    expect(issues.some((i) => i.path === path && message.test(i.message))).toBe(true);
    expect((error as Error).message).toContain('model.json');
    return;
  }
  throw new Error('manifest was accepted');
}

describe('manifest validation', () => {
  it('accepts a package with stages and heads and fills defaults', () => {
    const m = parseManifest(pathwayManifest(), 'model.json');
    expect(m.inference.overlap).toBe(0.5);
    expect(m.inference.sigmaScale).toBe(0.125);
    expect(m.tasks[0].threshold).toBe(0.5);
    expect(m.heads.A.supporting).toEqual([]);
  });

  it('reads prompting.router.normalize (absent: unit embeddings) and refuses a non-boolean', () => {
    const m = pathwayManifest();
    m.parts.router = { file: 'r.onnx', inputs: ['text_embedding'], outputs: ['pathway_logits'] };
    m.prompting = { router: { part: 'router', input: 'text_embedding', output: 'pathway_logits' } };
    expect(parseManifest(m, 'model.json').prompting.router?.normalize).toBeUndefined();
    m.prompting.router!.normalize = false;
    expect(parseManifest(m, 'model.json').prompting.router?.normalize).toBe(false);
    expectManifestError({ ...m, prompting: { router: { ...m.prompting.router, normalize: 'no' } } }, 'prompting.router.normalize', /boolean/);
  });

  it('names the field of a pathway index out of range', () => {
    const m = pathwayManifest();
    m.tasks[0].route = { kind: 'pathway', pathway: [1, 3] };
    expectManifestError(m, 'tasks[0].route.pathway[1]', /alternative 3 of stage "out" does not exist \(it has 2\)/);
  });

  it('names wrong pathway length, unknown parts and heads, label/channel mismatch, wrong format', () => {
    let m = pathwayManifest();
    m.tasks[1].route = { kind: 'pathway', pathway: [1] };
    expectManifestError(m, 'tasks[1].route.pathway', /1 entries but the package has 2 stages/);
    m = pathwayManifest();
    m.stages![0].alternatives.push('missing');
    expectManifestError(m, 'stages[0].alternatives[2]', /unknown part "missing"/);
    m = pathwayManifest();
    m.tasks[2].route = { kind: 'head', head: 'C' };
    expectManifestError(m, 'tasks[2].route.head', /unknown head "C"/);
    m = pathwayManifest();
    m.tasks[0].output.channels = [1, 2];
    expectManifestError(m, 'tasks[0].labels', /1 labels but 2 output channels/);
    expectManifestError({ ...pathwayManifest(), format: 'uniseg.model/9' }, 'format', /uniseg.model\/1/);
    expectManifestError({ ...pathwayManifest(), preprocess: { ...pathwayManifest().preprocess, axes: 'yxz' } }, 'preprocess.axes', /xyz|zyx/);
  });

  it('checks the pathway a head reads: range, and the same pathway as its supporting heads', () => {
    let m = sharedStageManifest();
    m.heads!.S.pathway = [3, 1];
    expectManifestError(m, 'heads.S.pathway[0]', /alternative 3 of stage "dec" does not exist/);
    m = sharedStageManifest();
    m.heads!.B = { parts: ['head.B'], output: 'head.B', labels: { b: 1 }, supporting: ['S'] };
    expectManifestError(m, 'heads.B.supporting[0]', /supporting head "S" reads pathway 2,1, head "B" reads \(none\)/);
  });

  it('refuses alternatives with different tensors and a part file outside the package', () => {
    let m = pathwayManifest();
    m.parts['dec.2'].outputs = ['other'];
    expectManifestError(m, 'stages[0].alternatives[1]', /same inputs and outputs/);
    m = pathwayManifest();
    m.parts.encoder.file = '../../etc/passwd';
    expectManifestError(m, 'parts.encoder.file', /inside the package/);
  });
});

describe('dataflow planning', () => {
  it('shares the encoder and common alternatives between tasks', () => {
    const m = parseManifest(pathwayManifest(), 'model.json');
    const p1 = planTask(m, m.tasks[0], [1, 2]);
    const p2 = planTask(m, m.tasks[1], [1, 1]);
    expect(p1.steps.map((s) => s.part)).toEqual(['encoder', 'dec.1', 'out.2']);
    const union = unionSteps([p1, p2]);
    // encoder and dec.1 once, out.1 and out.2 each once.
    expect(union.map((s) => s.part)).toEqual(['encoder', 'dec.1', 'out.2', 'out.1']);
    expect(p1.outputKey).not.toBe(p2.outputKey);
  });

  it('runs a supporting head before the head it supports', () => {
    const m = parseManifest(pathwayManifest(), 'model.json');
    const plan = planTask(m, m.tasks[2]);
    expect(plan.steps.map((s) => s.part)).toEqual(['encoder', 'head.A', 'head.B']);
  });

  it('plans a head that reads a stage output with the head\'s pathway, sharing the run with a pathway task', () => {
    const m = parseManifest(sharedStageManifest(), 'model.json');
    const head = m.tasks[3];
    const plan = planTask(m, head, routePathway(m, head.route));
    expect(plan.steps.map((s) => s.part)).toEqual(['encoder', 'dec.2', 'head.S']);
    const other = planTask(m, m.tasks[0], [2, 2]);
    expect(unionSteps([plan, other]).map((s) => s.part)).toEqual(['encoder', 'dec.2', 'head.S', 'out.2']);
    // Without its pathway, nothing produces the stage's tensor.
    expect(() => planTask(m, head, [])).toThrow(/no active part produces tensor "up"/);
    expect(routePathway(m, m.tasks[2].route)).toEqual([]);
  });

  it('refuses a pathway the package does not have', () => {
    const m = parseManifest(pathwayManifest(), 'model.json');
    expect(() => planTask(m, m.tasks[0], [1, 5])).toThrow(/stage 2 has no alternative 5/);
  });
});
