/**
 * DICOM series written by pydicom, dcmtk and gdcm from the real CT read back to the same voxels
 * and the same world grid as the NIfTI they were made from, in every transfer syntax, slice
 * order and orientation; plus the series choice in a mixed folder.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { voxelToWorld } from '../../src/volume/affine.ts';
import { readVolume as readNifti } from '../../src/volume/nifti/index.ts';
import { readVolume } from '../../src/volume/read.ts';
import { reorient } from '../../src/volume/reorient.ts';
import type { Volume } from '../../src/volume/types.ts';
import { dicomSeries, type SeriesSet } from '../helpers/dicom-series.ts';
import { SHARED_CT } from '../helpers/paths.ts';

let set: SeriesSet;
beforeAll(async () => {
  set = await dicomSeries();
}, 300_000);

/** `volume` stored in `reference`'s axis order; its voxel centres must be the reference's within 1e-3 mm. */
function onReferenceGrid(volume: Volume, reference: Volume): Volume {
  const r = reorient(volume, reference.orientation);
  expect(r.shape).toEqual(reference.shape);
  const [nx, ny, nz] = r.shape;
  for (const corner of [0, 1, 2, 3, 4, 5, 6, 7]) {
    const ijk = [corner & 1 ? nx - 1 : 0, corner & 2 ? ny - 1 : 0, corner & 4 ? nz - 1 : 0] as const;
    const a = voxelToWorld(r.affine, ijk);
    const b = voxelToWorld(reference.affine, ijk);
    expect(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2])).toBeLessThan(1e-3);
  }
  return r;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

const LOSSLESS = ['explicit-le', 'implicit-le', 'big-endian', 'deflated', 'jpeg-lossless', 'jpeg-lossless-sv6', 'rle', 'j2k-lossless', 'signed-jpeg-lossless', 'signed-j2k-lossless', 'feet-first', 'coronal', 'oblique', 'nested', 'zip'];

describe('reading DICOM series', () => {
  it.each(LOSSLESS)('%s reads to exactly the reference voxels on the reference grid', async (name) => {
    const c = set.get(name);
    const volume = await readVolume(set.path(name));
    const reference = await readNifti(`${set.dir}/${c.reference}`);
    expect(maxAbsDiff(onReferenceGrid(volume, reference).data, reference.data)).toBe(0);
    expect(volume.dicom?.transferSyntaxUID).toBe(c.syntax);
  });

  it('JPEG 2000 lossy decodes as gdcm decodes it, within a bounded error of the original', async () => {
    const c = set.get('j2k-lossy');
    const volume = await readVolume(set.path('j2k-lossy'));
    const gdcm = await readVolume(`${set.dir}/${c.decoded}`);
    const reference = await readNifti(`${set.dir}/${c.reference}`);
    expect(volume.dicom?.transferSyntaxUID).toBe('1.2.840.10008.1.2.4.91');
    expect(maxAbsDiff(volume.data, gdcm.data)).toBeLessThanOrEqual(1);
    const onGrid = onReferenceGrid(volume, reference);
    let sum = 0;
    for (let i = 0; i < onGrid.data.length; i++) sum += Math.abs(onGrid.data[i] - reference.data[i]);
    // Compression ratio 5: a few HU on average, never the whole range as a decoding bug would be.
    expect(sum / onGrid.data.length).toBeLessThan(10);
    expect(maxAbsDiff(onGrid.data, reference.data)).toBeLessThan(200);
  });

  it('places voxel (0, 0, k) at slice k\'s ImagePositionPatient (LPS to RAS), k along the slice normal', async () => {
    for (const name of ['implicit-le', 'feet-first', 'coronal', 'oblique']) {
      const volume = await readVolume(set.path(name));
      const dicom = volume.dicom!;
      expect(dicom.instances).toHaveLength(volume.shape[2]);
      expect([dicom.columns, dicom.rows]).toEqual([volume.shape[0], volume.shape[1]]);
      dicom.instances.forEach((instance, k) => {
        const world = voxelToWorld(volume.affine, [0, 0, k]);
        const [x, y, z] = instance.imagePositionPatient;
        expect(Math.hypot(world[0] + x, world[1] + y, world[2] - z)).toBeLessThan(1e-3);
      });
      const iop = dicom.imageOrientationPatient;
      const [rowSpacing, colSpacing] = dicom.pixelSpacing;
      for (let r = 0; r < 3; r++) {
        const flip = r < 2 ? -1 : 1;
        expect(volume.affine[r][0]).toBeCloseTo(flip * iop[r] * colSpacing, 6);
        expect(volume.affine[r][1]).toBeCloseTo(flip * iop[3 + r] * rowSpacing, 6);
      }
      // k increases along row x column cosines: the normal's projection of IPP grows with k.
      const normal = [iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5], iop[0] * iop[4] - iop[1] * iop[3]];
      const along = dicom.instances.map((s) => s.imagePositionPatient.reduce((sum, v, i) => sum + v * normal[i], 0));
      expect(along.every((d, k) => k === 0 || d > along[k - 1])).toBe(true);
      expect(dicom.header.PatientID).toBe('UNISEG-0001');
      expect(dicom.header).not.toHaveProperty('SOPInstanceUID');
      expect(dicom.header).not.toHaveProperty('PixelData');
    }
  });

  it('applies RescaleSlope and RescaleIntercept, giving float32 for a fractional slope and int16 when values fit', async () => {
    expect((await readVolume(set.path('implicit-le'))).source?.datatype).toBe('float32');
    expect((await readVolume(set.path('explicit-le'))).source?.datatype).toBe('int16');
  });

  it('zip bytes and folder read to the same volume', async () => {
    const fromBytes = await readVolume(readFileSync(set.path('zip')));
    const fromFolder = await readVolume(set.path('j2k-lossless'));
    expect(fromBytes.affine).toEqual(fromFolder.affine);
    expect(maxAbsDiff(fromBytes.data, fromFolder.data)).toBe(0);
    expect(fromBytes.source?.path).toBe('<bytes>');
  });
});

describe('choosing a series', () => {
  it('in a mixed folder reads the CT series with the most slices and says what it skipped', async () => {
    const c = set.get('mixed');
    const volume = await readVolume(set.path('mixed'));
    expect(volume.dicom?.seriesInstanceUID).toBe(c.seriesInstanceUID);
    const notes = volume.source?.warnings.join('\n') ?? '';
    expect(notes).toContain(`read series ${c.seriesInstanceUID}`);
    expect(notes).toContain(`also found ${c.secondSeries}`);
    expect(notes).toMatch(/1 SEG object/);
    expect(notes).toMatch(/1 RTSTRUCT object/);
    expect(notes).toMatch(/1 SR object/);
    expect(notes).toMatch(/30 localizer images/);
    expect(notes).toMatch(/not DICOM \(README\.txt\)/);
  });

  it('reads the series named by `series`, and refuses a UID that is not there', async () => {
    const c = set.get('mixed');
    const second = await readVolume(set.path('mixed'), { series: c.secondSeries });
    expect(second.dicom?.seriesInstanceUID).toBe(c.secondSeries);
    expect(second.shape[2]).toBe(8);
    await expect(readVolume(set.path('mixed'), { series: '1.2.3.4' })).rejects.toMatchObject({ code: 'DICOM_NO_SERIES', message: expect.stringContaining(c.seriesInstanceUID!) });
    await expect(readVolume(set.path('mixed'), { series: 'not-a-uid' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('refuses one DICOM file (one slice) with a hint to pass the folder', async () => {
    const one = readFileSync(`${set.path('explicit-le')}/IM0000.dcm`);
    await expect(readVolume(one)).rejects.toMatchObject({ code: 'DICOM_NO_SERIES', message: expect.stringContaining('pass the folder or zip') });
  });
});

describe('NIfTI input through the dispatching readVolume', () => {
  it('is read exactly as the NIfTI reader reads it, and refuses a series option', async () => {
    const direct = await readNifti(SHARED_CT);
    const same = (volume: Volume, path: string) => {
      const { data, ...rest } = volume;
      const { data: directData, ...directRest } = direct;
      expect(rest).toEqual({ ...directRest, source: { ...direct.source, path } });
      expect(data.constructor).toBe(directData.constructor);
      expect(Buffer.compare(Buffer.from(data.buffer, data.byteOffset, data.byteLength), Buffer.from(directData.buffer, directData.byteOffset, directData.byteLength))).toBe(0);
    };
    same(await readVolume(SHARED_CT), SHARED_CT);
    same(await readVolume(readFileSync(SHARED_CT)), '<bytes>');
    await expect(readVolume(SHARED_CT, { series: '1.2.3' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(readVolume('/nonexistent/ct.nii.gz')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
