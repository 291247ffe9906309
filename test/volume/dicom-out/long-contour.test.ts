/**
 * A boundary too long for one ContourData value (DS has a 16-bit length: 65534 bytes, about 2400
 * points at 27 bytes a point) is thinned to fit instead of being written as an invalid UN element.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { sliceRings } from '../../../src/volume/dicom-out/contours.ts';
import { writeRtstruct } from '../../../src/volume/dicom-out/index.ts';
import { makeVolume } from '../../../src/volume/volume.ts';
import { makeCtSeries } from '../../helpers/dicom-out-series.ts';
import { checkOutputs, dciodvfy } from './verify.ts';

const tmp = mkdtempSync(join(tmpdir(), 'uniseg-dicom-out-long-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('thins a ring of thousands of corners to one valid ContourData value', async () => {
  const series = join(tmp, 'series');
  mkdirSync(series);
  const ct = makeCtSeries(series, 'axial');
  const [nx, ny] = ct.shape;
  // One serpentine on slice 5: rows every 4 pixels joined at alternate ends, each with a
  // one-pixel tooth above and below every other column, so its one ring turns at every pixel.
  const k = 5;
  const data = new Uint8Array(ct.data.length);
  const at = (i: number, j: number) => i + nx * (j + ny * k);
  for (let m = 0; 4 * m + 2 < ny - 2; m++) {
    const j = 4 * m + 2;
    for (let i = 2; i < nx - 2; i++) data[at(i, j)] = 1;
    for (let i = 3; i < nx - 3; i += 2) data[at(i, j - 1)] = data[at(i, j + 1)] = 1;
    if (4 * m + 6 < ny - 2) for (let d = 0; d <= 4; d++) data[at(m % 2 === 0 ? nx - 2 : 1, j + d)] = 1;
  }
  const rings = sliceRings(data, 1, nx, ny, k);
  expect(rings).toHaveLength(1);
  expect(rings[0].length).toBeGreaterThan(65534 / 27);

  const masks = [{ prompt: 'serpentine', task: 'serpentine', labels: { serpentine: 1 }, mask: makeVolume(data, ct.shape, ct.affine) }];
  const file = join(tmp, 'rt.dcm');
  await writeRtstruct(file, ct, masks, { provenance: { unisegVersion: '0.1.0', packageName: 'demo', manifestSha256: '0'.repeat(64) } });
  expect(dciodvfy(file).errors).toEqual([]);
  const report = checkOutputs(tmp, series, ct.shape, masks, { rtstruct: file }).rtstruct!;
  expect(report.rois[0].contours).toBe(1);
  expect(report.maxContourPoints).toBeLessThanOrEqual(65534 / 27);
  expect(report.maxContourPoints).toBeGreaterThan(100);
}, 60_000);
