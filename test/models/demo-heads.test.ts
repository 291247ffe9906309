/**
 * Continual heads on the real demo package: its LeftLung head was added after training with
 * `uniseg heads add`. Removing it and adding it back must leave every other part's SHA-256 and
 * every other task's output byte-identical, and the head must find the left lung and leave the
 * right one alone.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_DIR } from '../../src/models/default-model.ts';
import { addHead, removeHead } from '../../src/models/heads.ts';
import { loadModel, readManifest } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { generatePhantom } from '../../src/volume/phantom/index.ts';
import { dice, taskTruth } from '../../src/volume/phantom/truth.ts';

// One 64^3 window of the 3 mm model grid (192 mm across): cheap enough to run every task twice.
const phantom = generatePhantom({ seed: 71999, shape: [48, 48, 48], spacing: [4, 4, 4] });
let dir: string;

async function outputs(packageDir: string, prompts: string[]) {
  const model = await loadModel(packageDir);
  try {
    const result = await segmentWithModel(model, phantom.ct, prompts, { probabilities: true });
    return result.prompts.map((p) => ({ task: p.task, mask: Buffer.from(p.mask.data.buffer), probabilities: Buffer.from(p.probabilities!.data.buffer) }));
  } finally {
    await model.close();
  }
}

beforeAll(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'uniseg-demo-heads-')), 'demo');
  await cp(DEFAULT_MODEL_DIR, dir, { recursive: true });
});
afterAll(async () => {
  if (dir) await rm(join(dir, '..'), { recursive: true, force: true });
});

describe('the demo package\'s continual LeftLung head', () => {
  it('comes off and goes back on without changing any other part or output', async () => {
    const shipped = await readManifest(DEFAULT_MODEL_DIR);
    expect(shipped.heads.LeftLung).toBeDefined();
    const others = shipped.tasks.filter((t) => !(t.route.kind === 'head' && t.route.head === 'LeftLung')).map((t) => t.prompt);

    await removeHead(dir, 'LeftLung');
    const without = await readManifest(dir);
    expect(without.heads.LeftLung).toBeUndefined();
    const before = await outputs(dir, others);

    await addHead(dir, { name: 'LeftLung', onnx: join(DEFAULT_MODEL_DIR, shipped.parts['head.LeftLung'].file), labels: new Map([['lung_left', 1]]) });
    const after = await readManifest(dir);
    for (const [name, part] of Object.entries(without.parts)) expect(after.parts[name].sha256).toBe(part.sha256);
    expect(after.heads.LeftLung.pathway).toEqual(shipped.heads.LeftLung.pathway);
    const again = await outputs(dir, others);
    expect(again.map((o) => o.task)).toEqual(before.map((o) => o.task));
    again.forEach((o, i) => {
      expect(o.mask.equals(before[i].mask), o.task).toBe(true);
      expect(o.probabilities.equals(before[i].probabilities), o.task).toBe(true);
    });
  }, 180_000);

  it('segments the left lung, and only the left lung', async () => {
    // A whole torso (the byte-identity phantom above is one window, too small a view for a lung).
    const torso = generatePhantom({ seed: 71999, shape: [112, 96, 80], spacing: [3, 3, 3] });
    const model = await loadModel(dir);
    try {
      const result = await segmentWithModel(model, torso.ct, ['lung_left']);
      const [left] = result.prompts;
      expect(left.route).toEqual({ kind: 'head', head: 'LeftLung' });
      const score = (mask: ArrayLike<number>, label: string) => dice(mask, taskTruth(torso.labels, [label]), new Set([1]));
      // A left/right swap or a head that draws both lungs fails both lines.
      expect(score(left.mask.data, 'lung_left')).toBeGreaterThan(0.8);
      expect(score(left.mask.data, 'lung_right')).toBeLessThan(0.1);
    } finally {
      await model.close();
    }
  }, 120_000);
});
