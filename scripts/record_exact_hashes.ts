/**
 * Records SHA-256 hashes of the engine's probabilities and masks on the parity fixtures, for
 * test/models/exact.test.ts. test/fixtures/engine-exact/expected.json was written by running this
 * file in a checkout of commit 0e7ed45 (the engine before fast mode existed; `exact` is ignored
 * there), so exact mode stays pinned to that engine bit for bit:
 *   git worktree add /tmp/old 0e7ed45 && cp scripts/record_exact_hashes.ts /tmp/old/scripts/
 *   (cd /tmp/old && npm ci --ignore-scripts && npx tsx scripts/record_exact_hashes.ts OUT.json)
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../src/models/package.ts';
import { segmentWithModel } from '../src/models/segment.ts';
import { readVolume } from '../src/volume/nifti/index.ts';

const FIX = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
const out: Record<string, { prompts: string[]; probabilities: string[]; masks: string[]; labelMap: string }> = {};
for (const name of ['odd', 'sagittal', 'aniso']) {
  const expected = JSON.parse(readFileSync(join(FIX, 'engine', name, 'expected.json'), 'utf8'));
  const model = await loadModel(join(FIX, 'models', expected.package), { threads: 1 });
  const ct = await readVolume(join(FIX, 'engine', name, 'ct.nii.gz'));
  const options = { probabilities: true, exact: true } as Parameters<typeof segmentWithModel>[3];
  const result = await segmentWithModel(model, ct, expected.prompts, options);
  await model.close();
  const sha = (a: ArrayBufferView) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
  out[name] = {
    prompts: expected.prompts,
    probabilities: result.prompts.map((p) => sha(p.probabilities!.data)),
    masks: result.prompts.map((p) => sha(p.mask.data)),
    labelMap: sha(result.labelMap.data),
  };
}
writeFileSync(process.argv[2], `${JSON.stringify(out, null, 1)}\n`);
