import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listPathways } from '../../src/models/discovery.ts';
import { loadModel } from '../../src/models/package.ts';
import { uniseg } from '../helpers/cli.ts';
import { TEST_MODELS } from '../helpers/paths.ts';

describe('listPathways', () => {
  it('lists stages with the tasks using each alternative', async () => {
    const model = await loadModel(join(TEST_MODELS, 'pathways'));
    const listing = await listPathways(model);
    await model.close();
    expect(listing.stages.map((s) => s.name)).toEqual(['decoder', 'out']);
    const decoder = listing.stages[0].alternatives;
    expect(decoder.map((a) => a.part)).toEqual(['decoder.1', 'decoder.2', 'decoder.3']);
    // liver [1,2] and kidney [1,3] share decoder alternative 1.
    expect(decoder[0]).toMatchObject({ index: 1, tasks: ['liver', 'kidney'], shared: 2 });
    expect(listing.tasks.find((t) => t.name === 'lesions')).toMatchObject({ route: 'pathway', pathway: [3, 1], labels: { cyst: 1, lesion: 2 } });
    expect(listing.textEncoder).toBeNull();
  });

  it('lists heads with labels and supporting heads', async () => {
    const model = await loadModel(join(TEST_MODELS, 'heads'));
    const listing = await listPathways(model);
    await model.close();
    expect(listing.heads).toContainEqual({ name: 'Tumor', labels: { kidney_tumor: 1 }, supporting: ['Organs'], parts: ['head.Tumor'] });
    expect(listing.tasks.find((t) => t.name === 'kidney_left')).toMatchObject({ route: 'head', head: 'Organs' });
  });
});

describe('uniseg pathways / resolve', () => {
  it('prints the listing and resolutions as JSON', () => {
    const pathways = uniseg(['pathways', '--model', join(TEST_MODELS, 'routed'), '--json']);
    expect(pathways.status).toBe(0);
    const listing = JSON.parse(pathways.stdout);
    expect(listing.router).toBe('router');
    const resolve = uniseg(['resolve', 'Kidney', '--model', join(TEST_MODELS, 'routed'), '--json', '--no-log']);
    expect(resolve.status).toBe(0);
    expect(JSON.parse(resolve.stdout)).toMatchObject({ prompt: 'Kidney', normalized: 'kidney', route: 'pathway', task: 'kidney', pathway: [1, 3] });
    expect(resolve.stderr).toBe('');
  });

  it('exits 1 with suggestions for an unknown prompt and logs the refusal', () => {
    const run = uniseg(['resolve', 'femur', '--model', join(TEST_MODELS, 'routed'), '--json']);
    expect(run.status).toBe(1);
    const [log, message] = run.stderr.trim().split('\n');
    expect(JSON.parse(log)).toMatchObject({ prompt: 'femur', error: 'PROMPT_UNKNOWN' });
    expect(message).toMatch(/PROMPT_UNKNOWN.*closest/);
  });
});
