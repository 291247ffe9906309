/**
 * DICOM SEG and RTSTRUCT from masks on an axial and an oblique CT series (pydicom-written): each
 * file passes dciodvfy, reads with pydicom, and decodes back to the masks (SEG exactly, RTSTRUCT
 * rasterised with PIL to Dice >= 0.95), with the source's patient, study and geometry.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RT_STRUCTURE_SET_STORAGE, SEGMENTATION_STORAGE, writeDicomSeg, writeRtstruct, type OutputMask } from '../../../src/volume/dicom-out/index.ts';
import type { Volume } from '../../../src/volume/types.ts';
import { makeCtSeries } from '../../helpers/dicom-out-series.ts';
import { testMasks } from './masks.ts';
import { checkOutputs, dciodvfy, type CheckReport, type Dciodvfy } from './verify.ts';

const tmp = mkdtempSync(join(tmpdir(), 'uniseg-dicom-out-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const provenance = { unisegVersion: '0.1.0', packageName: 'demo', manifestSha256: 'c0ffee'.padEnd(64, '0') };

describe.each(['axial', 'oblique'] as const)('%s series', (kind) => {
  let ct: Volume;
  let masks: OutputMask[];
  let report: CheckReport;
  const validity: Record<'seg' | 'rtstruct', Dciodvfy | undefined> = { seg: undefined, rtstruct: undefined };

  beforeAll(async () => {
    const work = join(tmp, kind);
    const series = join(work, 'series');
    mkdirSync(series, { recursive: true });
    ct = makeCtSeries(series, kind);
    masks = testMasks(ct);
    const seg = join(work, 'seg.dcm');
    const rtstruct = join(work, 'rt.dcm');
    await writeDicomSeg(seg, ct, masks, { provenance });
    await writeRtstruct(rtstruct, ct, masks, { provenance });
    validity.seg = dciodvfy(seg);
    validity.rtstruct = dciodvfy(rtstruct);
    for (const [what, v] of Object.entries(validity)) if (v!.warnings.length > 0) console.info(`dciodvfy warnings (${kind} ${what}):\n${v!.warnings.join('\n')}`);
    report = checkOutputs(work, series, ct.shape, masks, { seg, rtstruct });
  }, 60_000);

  it('SEG: passes dciodvfy, one BINARY segment per prompt (per label), decodes exactly to the masks', () => {
    expect(validity.seg!.iod).toBe('Segmentation');
    expect(validity.seg!.errors).toEqual([]);
    const seg = report.seg!;
    expect(seg.sopClassUID).toBe(SEGMENTATION_STORAGE);
    expect(seg.segmentationType).toBe('BINARY');
    expect(seg.segments.map((s) => s.label)).toEqual(['liver', 'vertebrae', 'spleen', 'kidneys: kidney_left', 'kidneys: kidney_right', 'liver tumour', 'pancreas']);
    for (const s of seg.segments) {
      expect(s.exact, `segment ${s.label}`).toBe(true);
      expect(s.voxels).toBe(s.expectedVoxels);
    }
    expect(seg.segments[0].voxels).toBeGreaterThan(5000);
    // Frames sit exactly on the source slices and share their orientation.
    expect(seg.maxPositionErrorMm).toBeLessThan(1e-3);
    expect(seg.orientationMatches).toBe(true);
    expect(seg.frameOfReferenceMatches && seg.referencedSeriesMatches).toBe(true);
  });

  it('SEG: the empty segment is listed, flagged EMPTY, with one blank frame', () => {
    const spleen = report.seg!.segments.find((s) => s.label === 'spleen')!;
    expect(spleen.voxels).toBe(0);
    expect(spleen.frames).toBe(1);
    expect(spleen.description).toMatch(/^EMPTY: /);
    expect(report.seg!.segments.filter((s) => s.description.startsWith('EMPTY'))).toHaveLength(1);
  });

  it('SEG and RTSTRUCT: patient and study copied from the source, new series and instance UIDs, uniseg named with its package', () => {
    for (const r of [report.seg!, report.rtstruct!]) {
      expect(r.patientName).toBe('Müller^Jürgen');
      expect(r.patientNameMatches && r.patientIdMatches && r.studyMatches && r.accessionMatches).toBe(true);
      expect(r.newSeries && r.newInstance && r.uidsUnder225).toBe(true);
      expect([r.manufacturer, r.modelName, r.deviceSerialNumber, r.softwareVersions]).toEqual(['uniseg', 'demo', provenance.manifestSha256, '0.1.0']);
    }
    for (const s of report.seg!.segments) {
      expect([s.algorithmType, s.algorithmName]).toEqual(['AUTOMATIC', 'uniseg']);
      expect(s.algorithm).toEqual([{ family: ['123110', 'DCM', 'Artificial Intelligence'], name: 'uniseg', version: '0.1.0', parameters: expect.stringContaining(provenance.manifestSha256) }]);
      expect(s.algorithm[0].parameters).toContain('demo');
    }
  });

  it('RTSTRUCT: passes dciodvfy, one ROI per prompt (per label) whose contours rasterise back to Dice >= 0.95', () => {
    expect(validity.rtstruct!.iod).toBe('RTStructureSet');
    expect(validity.rtstruct!.errors).toEqual([]);
    const rt = report.rtstruct!;
    expect(rt.sopClassUID).toBe(RT_STRUCTURE_SET_STORAGE);
    expect(rt.rois.map((r) => r.name)).toEqual(report.seg!.segments.map((s) => s.label));
    for (const roi of rt.rois.filter((r) => r.expectedVoxels > 0)) {
      expect(roi.dice, `ROI ${roi.name}`).toBeGreaterThanOrEqual(0.95);
      expect(roi.generationAlgorithm).toBe('AUTOMATIC');
      expect(roi.referencedFrameOfReferenceMatches).toBe(true);
    }
    // Contours lie in their slices' planes; the references name the source frame, study and series.
    expect(rt.maxOffPlaneMm).toBeLessThan(2e-3);
    expect(rt.referencedFrameOfReferenceMatches && rt.referencedStudyMatches && rt.referencedSeriesMatches && rt.contourImagesAreTheSeries).toBe(true);
  });

  it('RTSTRUCT: a hole and a second island become extra contours on the same slice; an empty ROI has none', () => {
    const rois = Object.fromEntries(report.rtstruct!.rois.map((r) => [r.name, r]));
    // The liver touches every slice; on the middle ones it has an outer ring, the cavity and the island.
    expect(rois.liver.contours).toBeGreaterThanOrEqual(rois.liver.slicesWithContours + 2 * 5);
    expect(rois.liver.dice).toBeGreaterThanOrEqual(0.95);
    expect(rois.vertebrae.contours).toBeGreaterThan(rois.vertebrae.slicesWithContours * 3);
    expect(rois.spleen.contours).toBe(0);
    expect(rois.spleen.description).toMatch(/^EMPTY: /);
  });

  it('codes each structure (SNOMED CT), its laterality, lesions by site, and falls back to Tissue', () => {
    const segs = Object.fromEntries(report.seg!.segments.map((s) => [s.label, s]));
    const anatomy = ['123037004', 'SCT', 'Anatomical Structure'];
    expect([segs.liver.category, segs.liver.type]).toEqual([anatomy, ['10200004', 'SCT', 'Liver']]);
    expect(segs.vertebrae.type).toEqual(['51282000', 'SCT', 'Vertebra']);
    expect(segs['kidneys: kidney_left'].type).toEqual(['64033007', 'SCT', 'Kidney']);
    expect(segs['kidneys: kidney_left'].typeModifier).toEqual(['7771000', 'SCT', 'Left']);
    expect(segs['kidneys: kidney_right'].typeModifier).toEqual(['24028007', 'SCT', 'Right']);
    expect(segs['liver tumour'].category).toEqual(['49755003', 'SCT', 'Morphologically Abnormal Structure']);
    expect(segs['liver tumour'].type).toEqual(['108369006', 'SCT', 'Neoplasm']);
    expect(segs['liver tumour'].region).toEqual(['10200004', 'SCT', 'Liver']);
    expect([segs.pancreas.category, segs.pancreas.type]).toEqual([['85756007', 'SCT', 'Tissue'], ['85756007', 'SCT', 'Tissue']]);
    const rois = Object.fromEntries(report.rtstruct!.rois.map((r) => [r.name, r]));
    expect([rois.liver.interpretedType, rois['liver tumour'].interpretedType, rois.pancreas.interpretedType]).toEqual(['ORGAN', 'GTV', '']);
    expect(rois['liver tumour'].identificationCode).toEqual(['108369006', 'SCT', 'Neoplasm']);
  });
});
