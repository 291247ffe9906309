/**
 * The nnU-Net pieces of the engine that the end-to-end fixture does not reach: resampling with
 * separate-z (anisotropic spacing, each slice in 2-D then order_z along the low-resolution axis),
 * the separate-z rule itself, float16 rounding, window placement and the mirror order. The
 * resampling is compared with scipy (test/models/nnunet_resample_ref.py, the steps of nnU-Net's
 * resample_data_or_seg) on random data; the isotropic order-3 / order-1 paths are checked end to end
 * in test/convert/nnunet.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mirrorSubsets } from '../../src/models/mirror.ts';
import { f16round, f16roundFloat32 } from '../../src/models/nnunet/f16.ts';
import { resampleChannel, separateZAxis } from '../../src/models/nnunet/resample.ts';
import { nnunetAxisStarts } from '../../src/models/nnunet/windows.ts';
import type { Triple } from '../../src/models/windows.ts';
import { ROOT } from '../helpers/paths.ts';

const work = mkdtempSync(join(tmpdir(), 'uniseg-nnunet-resample-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const rule = { order: 3 as const, orderZ: 0 as const, forceSeparateZ: null };

describe('nnU-Net resampling', { timeout: 120_000 }, () => {
  it('separate-z and plain resizing match scipy', () => {
    const cases = [
      { dims: [9, 40, 30], shape: [30, 27, 20], spacing: [5, 1, 1], target: [1.5, 1.5, 1.5], order: 3, orderZ: 0, float16: false, axis: 0 },
      { dims: [30, 40, 12], shape: [20, 27, 40], spacing: [1, 1, 5], target: [1.5, 1.5, 1.5], order: 1, orderZ: 0, float16: true, axis: 2 },
      { dims: [14, 11, 9], shape: [31, 8, 9], spacing: [4, 1, 1], target: [1, 1, 1], order: 3, orderZ: 1, float16: false, axis: 0 },
      { dims: [12, 16, 10], shape: [18, 24, 15], spacing: [1.5, 1.5, 1.5], target: [1, 1, 1], order: 3, orderZ: 0, float16: false, axis: null },
    ];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 400;
    const inputs = cases.map((c, i) => {
      const x = Float32Array.from({ length: c.dims[0] * c.dims[1] * c.dims[2] }, () => (c.float16 ? f16round(Math.fround(random())) : random()));
      writeFileSync(join(work, `in${i}.f32`), x);
      return x;
    });
    writeFileSync(join(work, 'cases.json'), JSON.stringify(cases));
    const ref = spawnSync('/usr/bin/python3', [join(ROOT, 'test/models/nnunet_resample_ref.py'), work], { encoding: 'utf8' });
    expect(ref.status, ref.stderr).toBe(0);
    cases.forEach((c, i) => {
      const spec = { order: c.order as 0 | 1 | 3, orderZ: c.orderZ as 0 | 1, forceSeparateZ: null };
      expect(separateZAxis(c.spacing as unknown as Triple, c.target as unknown as Triple, spec, 3)).toBe(c.axis);
      const out = resampleChannel(inputs[i], c.dims as unknown as Triple, c.shape as unknown as Triple, c.spacing as unknown as Triple, c.target as unknown as Triple, spec, 3, c.float16 ? f16round : Math.fround);
      const bytes = readFileSync(join(work, `out${i}.f32`));
      const expected = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
      expect(out.length).toBe(expected.length);
      let max = 0;
      for (let v = 0; v < out.length; v++) max = Math.max(max, Math.abs(out[v] - expected[v]) / (c.float16 ? Math.max(1, Math.abs(expected[v])) : 1));
      // float32: rounding only; float16: at most one half-precision step where float64 sums differ in the last bit.
      expect(max, `case ${i}`).toBeLessThan(c.float16 ? 2e-3 : 1e-4);
    });
  });

  it('separate-z needs one axis with the largest spacing; forcing it overrides the ratio', () => {
    expect(separateZAxis([3, 1, 1], [1, 1, 1], rule, 3)).toBe(null); // ratio 3 is not above 3
    expect(separateZAxis([1, 1, 1], [3.5, 1, 1], rule, 3)).toBe(0); // from the target spacing
    expect(separateZAxis([5, 5, 1], [1, 1, 1], rule, 3)).toBe(null); // two low-resolution axes
    expect(separateZAxis([1, 1, 2], [1, 1, 1], { ...rule, forceSeparateZ: true }, 3)).toBe(2);
    expect(separateZAxis([1, 1, 5], [1, 1, 1], { ...rule, forceSeparateZ: false }, 3)).toBe(null);
  });

  it('float16 rounding, window starts and the mirror order follow numpy, nnU-Net and itertools', () => {
    expect([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65519, 65520, 2 ** -25, 3 * 2 ** -25, -0.1].map(f16round)).toEqual([1, 1 + 2 ** -9, 65504, Infinity, 0, 2 ** -23, -0.0999755859375]);
    for (const x of [0.1, -3.3, 1e-6, 7e-8, 60000, 1234.5678]) expect(f16roundFloat32(Math.fround(x))).toBe(f16round(Math.fround(x)));
    expect([nnunetAxisStarts(54, 48, 0.5), nnunetAxisStarts(84, 64, 0.5), nnunetAxisStarts(200, 64, 0.8), nnunetAxisStarts(64, 64, 0.5)]).toEqual([[0, 6], [0, 20], [0, 45, 91, 136], [0]]);
    expect(mirrorSubsets([0, 1, 2])).toEqual([[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]]);
  });
});
