/**
 * `uniseg convert gcis` on the shared gCIS fixture, both ways in: the pathway checkpoint with its
 * prompt embeddings, and the released trimmed file for "liver". Each converts once (the converter
 * checks ORT parity of every part); then the packages' networks are compared with gCIS's own
 * logits (1e-4), the routing with the pathways gCIS prints, and the two packages' liver masks with
 * each other. About a minute of the converters on 2 quiet cores (much longer on a loaded machine).
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareTensors, runNetwork } from '../../src/models/network-run.ts';
import { readNpy } from '../../src/models/npy.ts';
import { loadModel, type Model } from '../../src/models/package.ts';
import { resolvePrompt } from '../../src/models/routing.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { createSelectionLogger } from '../../src/pathways/log.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { uniseg } from '../helpers/cli.ts';
import { ROOT, SHARED_CT } from '../helpers/paths.ts';
import { cropVolume } from './crop.ts';

const FIXTURE = join(ROOT, '..', 'shared', 'fixtures', 'gcis');
const fixture = (f: string) => join(FIXTURE, f);
const prompts: { prompt: string; path_selection: number[]; display_path_lines: string[] }[] = JSON.parse(readFileSync(fixture('pathways.json'), 'utf8')).prompts;

const work = mkdtempSync(join(tmpdir(), 'uniseg-gcis-'));
const routedDir = join(work, 'routed');
const trimmedDir = join(work, 'trimmed');
let routed: Model;
let trimmed: Model;

beforeAll(async () => {
  const a = uniseg(['convert', 'gcis', fixture('model.pt'), '--prompt-embeddings', fixture('prompts.npy'), '--prompt-texts', fixture('prompts.json'), '--roi', '64,64,64', '-o', routedDir], { timeoutMs: 1_500_000 });
  expect(a.status, a.stderr).toBe(0);
  const b = uniseg(['convert', 'gcis', fixture('trimmed_0/params.pth'), '--task-names', 'liver', '--roi', '64,64,64', '-o', trimmedDir], { timeoutMs: 1_500_000 });
  expect(b.status, b.stderr).toBe(0);
  routed = await loadModel(routedDir, { threads: 2 });
  trimmed = await loadModel(trimmedDir, { threads: 2 });
}, 3_000_000);

afterAll(async () => {
  await routed?.close();
  await trimmed?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('uniseg convert gcis', { timeout: 600_000 }, () => {
  it("keeps gCIS's seven positions, the router and the origin", () => {
    const m = routed.manifest;
    expect(m.stages.map((s) => s.name)).toEqual(['decoder10', 'decoder5', 'decoder4', 'decoder3', 'decoder2', 'decoder1', 'out']);
    // Every alternative is reachable by the fixture's routers (a linear programme per position).
    expect(m.stages.map((s) => s.alternatives.length)).toEqual([3, 3, 3, 3, 3, 3, 3]);
    expect(m.prompting.router).toEqual({ part: 'router', input: 'text_embedding', output: 'pathway_logits', normalize: false });
    expect(m.tasks.map((t) => [t.prompt, t.route])).toEqual(prompts.map((p) => [p.prompt, { kind: 'router', pathway: p.path_selection }]));
    expect(m.origin).toMatchObject({ kind: 'gcis', files: [{ path: 'model.pt' }, { path: 'prompts.npy' }, { path: 'prompts.json' }] });
    for (const part of Object.values(m.parts)) expect(part.sha256).toMatch(/^[0-9a-f]{64}$/);
    // The trimmed file: one alternative per position, a fixed pathway, no router.
    expect(trimmed.manifest.stages.map((s) => s.alternatives.length)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(trimmed.manifest.tasks[0].route).toEqual({ kind: 'pathway', pathway: [1, 1, 1, 1, 1, 1, 1] });
  });

  it("matches gCIS's logits within 1e-4 for every prompt, and the trimmed file's", async () => {
    const input = await readNpy(fixture('input.npy'));
    for (const [i, p] of prompts.entries()) {
      const run = await runNetwork(routed, input, { prompt: p.prompt });
      const c = compareTensors(run.output, await readNpy(fixture(`output_${i}.npy`)));
      expect(c.maxAbsDiff, p.prompt).toBeLessThan(1e-4);
      expect(run.ran).toBe(`task ${routed.manifest.tasks[i].name} (pathway ${p.path_selection.join(',')})`);
    }
    const single = await runNetwork(trimmed, input, { prompt: 'liver' });
    expect(compareTensors(single.output, await readNpy(fixture('trimmed_0/output.npy'))).maxAbsDiff).toBeLessThan(1e-4);
  });

  it('resolve reports and logs the pathway gCIS prints', async () => {
    const log = join(work, 'selection.jsonl');
    const logger = createSelectionLogger(log);
    for (const p of prompts) {
      const r = await resolvePrompt(routed, p.prompt, { logger });
      expect(r.pathway, p.prompt).toEqual(p.path_selection);
    }
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.pathway)).toEqual(prompts.map((p) => p.path_selection.join(',')));
    const cli = uniseg(['resolve', 'liver tumor', '--model', routedDir]);
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`pathway ${prompts[2].path_selection.join(',')}`);
  });

  it('the routed package and the one from the trimmed file give identical liver masks', async () => {
    // 20³ voxels of 3 mm around the fixture's crop: 60³ at gCIS's 1 mm, one padded window.
    const ct = cropVolume(await readVolume(SHARED_CT), [85, 40, 15], [20, 20, 20]);
    const a = await segmentWithModel(routed, ct, 'liver');
    const b = await segmentWithModel(trimmed, ct, 'liver');
    expect(a.windows).toBe(1);
    expect(Buffer.from(a.prompts[0].mask.data.buffer).equals(Buffer.from(b.prompts[0].mask.data.buffer))).toBe(true);
    expect(a.prompts[0].voxels).toBe(b.prompts[0].voxels);
    // Same weights, same export: the liver pathway's files are byte-identical in both packages.
    const alt = (m: Model, stage: number, k: number) => m.manifest.parts[m.manifest.stages[stage].alternatives[k - 1]].sha256;
    prompts[0].path_selection.forEach((k, s) => expect(alt(trimmed, s, 1)).toBe(alt(routed, s, k)));
    expect(trimmed.manifest.parts.encoder.sha256).toBe(routed.manifest.parts.encoder.sha256);
  });
});
