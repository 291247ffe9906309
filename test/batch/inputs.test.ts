import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashInput } from '../../src/batch/hash.ts';
import { listCases } from '../../src/batch/inputs.ts';
import { runQueueBatch } from '../../src/batch/producer.ts';
import { connectionFromUrl, parseFailureReason } from '../../src/batch/queue.ts';
import { queueStatus } from '../../src/batch/status.ts';
import { isUnisegError } from '../../src/errors.ts';

const root = mkdtempSync(join(tmpdir(), 'uniseg-inputs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function touch(path: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, 'x');
  return path;
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!isUnisegError(error)) throw new Error(`expected a UnisegError, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

describe('listCases', () => {
  it('walks a folder in name order, nested ids joined by "_", skipping hidden entries, other files and the output folder', async () => {
    const dir = join(root, 'walk');
    touch(join(dir, 'b.nii.gz'));
    touch(join(dir, 'a.nii'));
    touch(join(dir, 'p1', 'ct.nii.gz'));
    touch(join(dir, '.hidden', 'x.nii.gz'));
    touch(join(dir, 'notes.txt'));
    touch(join(dir, 'out', 'a', 'liver.nii.gz'));
    const cases = await listCases([dir], ['liver'], { outputDir: join(dir, 'out') });
    expect(cases.map((c) => [c.id, c.input])).toEqual([
      ['a', join(dir, 'a.nii')],
      ['b', join(dir, 'b.nii.gz')],
      ['p1_ct', join(dir, 'p1', 'ct.nii.gz')],
    ]);
    expect(cases.every((c) => c.prompts.join() === 'liver')).toBe(true);
  });

  it('takes a folder of DICOM files and a .zip each as one case, and hashes a series by its files', async () => {
    const dir = join(root, 'dicom');
    const dicm = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.from('rest')]);
    mkdirSync(join(dir, 'pat1', 'series'), { recursive: true });
    writeFileSync(join(dir, 'pat1', 'series', 'IM0001'), dicm);
    writeFileSync(join(dir, 'pat1', 'series', 'IM0002'), dicm);
    touch(join(dir, 'pat2.zip'));
    touch(join(dir, 'notes', 'readme.txt'));
    const cases = await listCases([dir], ['liver'], { outputDir: join(root, 'o') });
    expect(cases.map((c) => [c.id, c.input])).toEqual([
      ['pat1_series', join(dir, 'pat1', 'series')],
      ['pat2', join(dir, 'pat2.zip')],
    ]);
    const before = await hashInput(join(dir, 'pat1', 'series'));
    expect(await hashInput(join(dir, 'pat1', 'series'))).toBe(before);
    writeFileSync(join(dir, 'pat1', 'series', 'IM0002'), Buffer.concat([dicm, Buffer.from('changed')]));
    expect(await hashInput(join(dir, 'pat1', 'series'))).not.toBe(before);
  });

  it('reads CSV and JSONL manifests: paths relative to the manifest, per-row prompts and ids', async () => {
    const dir = join(root, 'manifests');
    touch(join(dir, 'scans', 'one.nii.gz'));
    writeFileSync(join(dir, 'cohort.csv'), 'id,image,prompts\nP-001,scans/one.nii.gz,"liver; left kidney"\n,/abs/two.nii,\n');
    writeFileSync(join(dir, 'more.jsonl'), '{"image": "scans/one.nii.gz", "id": "again", "prompts": ["spleen"]}\n\n{"image": "three.nii.gz"}\n');
    const cases = await listCases([join(dir, 'cohort.csv'), join(dir, 'more.jsonl')], ['aorta'], { outputDir: join(root, 'o') });
    expect(cases).toEqual([
      { id: 'P-001', input: join(dir, 'scans', 'one.nii.gz'), prompts: ['liver', 'left kidney'] },
      { id: 'two', input: '/abs/two.nii', prompts: ['aorta'] },
      { id: 'again', input: join(dir, 'scans', 'one.nii.gz'), prompts: ['spleen'] },
      { id: 'three', input: join(dir, 'three.nii.gz'), prompts: ['aorta'] },
    ]);
  });

  it('refuses, before any work, what cannot become a clean list of cases', async () => {
    const dir = join(root, 'bad');
    touch(join(dir, 'x', 'a.nii.gz'));
    touch(join(dir, 'y', 'a.nii.gz'));
    writeFileSync(join(dir, 'noimage.csv'), 'path,id\nq.nii,q\n');
    writeFileSync(join(dir, 'badid.jsonl'), '{"image": "a.nii", "id": "../escape"}\n');
    writeFileSync(join(dir, 'badjson.jsonl'), '{"image": "a.nii"}\n{oops\n');
    const out = { outputDir: join(root, 'o') };
    expect(await failure(listCases([join(dir, 'x'), join(dir, 'y')], ['liver'], out))).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('share the id "a"') });
    expect(await failure(listCases([join(dir, 'noimage.csv')], ['liver'], out))).toMatchObject({ code: 'BATCH_MANIFEST_INVALID', message: expect.stringContaining('no "image" column') });
    expect(await failure(listCases([join(dir, 'badid.jsonl')], ['liver'], out))).toMatchObject({ code: 'BATCH_MANIFEST_INVALID', message: expect.stringContaining('badid.jsonl:1') });
    expect(await failure(listCases([join(dir, 'badjson.jsonl')], ['liver'], out))).toMatchObject({ code: 'BATCH_MANIFEST_INVALID', message: expect.stringContaining('badjson.jsonl:2: not JSON') });
    expect(await failure(listCases([join(dir, 'x')], [], out))).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('has no prompts') });
    expect(await failure(listCases([join(dir, 'missing.nii.gz')], ['liver'], out))).toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect(await failure(listCases([join(dir, 'x')], ['liver'], { outputDir: dir }))).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('inside the output folder') });
  });
});

describe('queue conventions', () => {
  it('parses Redis URLs and refuses anything else naming --queue', () => {
    expect(connectionFromUrl('redis://:s3cret@queue-host:6380/2')).toEqual({ host: 'queue-host', port: 6380, password: 's3cret', db: 2 });
    expect(connectionFromUrl('redis://10.0.0.5')).toEqual({ host: '10.0.0.5', port: 6379 });
    for (const bad of ['http://host:6379', 'queue-host:6379', 'redis://host/abc']) {
      expect(() => connectionFromUrl(bad)).toThrow(/--queue must be a Redis URL/);
    }
  });

  it('says QUEUE_UNREACHABLE at once when nothing listens at the URL', async () => {
    const url = 'redis://127.0.0.1:1';
    const started = performance.now();
    const batch = runQueueBatch({ cases: [], url, packageName: 'p', packageSha256: '0'.repeat(64), outputDir: join(root, 'q') });
    expect(await failure(batch)).toMatchObject({ code: 'QUEUE_UNREACHABLE', message: expect.stringContaining(url) });
    expect(await failure(queueStatus(url))).toMatchObject({ code: 'QUEUE_UNREACHABLE' });
    expect(performance.now() - started).toBeLessThan(8000);
  });

  it('keeps the typed code of a failed job and gives BullMQ\'s own reasons a code of ours', () => {
    expect(parseFailureReason('NIFTI_NOT_NIFTI: a.nii: sizeof_hdr is 0')).toEqual({ code: 'NIFTI_NOT_NIFTI', message: 'a.nii: sizeof_hdr is 0' });
    expect(parseFailureReason('job stalled more than allowable limit')).toEqual({ code: 'QUEUE_JOB_FAILED', message: 'job stalled more than allowable limit' });
  });
});
