/**
 * `exact: true` is the engine as it was before fast mode (every window, every prompt): its
 * probabilities, masks and label maps hash to what commit 0e7ed45 produced on the parity fixtures
 * (recorded by scripts/record_exact_hashes.ts in a checkout of that commit).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/models/package.ts';
import { segmentWithModel } from '../../src/models/segment.ts';
import { readVolume } from '../../src/volume/nifti/index.ts';
import { FIXTURES, TEST_MODELS } from '../helpers/paths.ts';

interface Recorded {
  prompts: string[];
  probabilities: string[];
  masks: string[];
  labelMap: string;
}
const recorded = JSON.parse(readFileSync(join(FIXTURES, 'engine-exact', 'expected.json'), 'utf8')) as Record<string, Recorded>;
const sha = (a: ArrayBufferView) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

describe.each(Object.keys(recorded))('exact mode is the previous engine bit for bit: %s', (name) => {
  it('gives identical probabilities, masks and label map, running every window for every prompt', async () => {
    const { package: pkg } = JSON.parse(readFileSync(join(FIXTURES, 'engine', name, 'expected.json'), 'utf8')) as { package: string };
    const model = await loadModel(join(TEST_MODELS, pkg), { threads: 1 });
    try {
      const ct = await readVolume(join(FIXTURES, 'engine', name, 'ct.nii.gz'));
      const want = recorded[name];
      const result = await segmentWithModel(model, ct, want.prompts, { probabilities: true, exact: true });
      expect(result.schedule.mode).toBe('exact');
      expect(result.windows).toBe(result.schedule.grid);
      expect(result.prompts.map((p) => sha(p.probabilities!.data))).toEqual(want.probabilities);
      expect(result.prompts.map((p) => sha(p.mask.data))).toEqual(want.masks);
      expect(sha(result.labelMap.data)).toBe(want.labelMap);
    } finally {
      await model.close();
    }
  });
});
