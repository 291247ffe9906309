/** The volume store: bounded by entries, bytes and time to live; least recently used goes first. */
import { describe, expect, it } from 'vitest';
import { VolumeStore } from '../../src/server/store.ts';
import { identityAffine } from '../../src/volume/affine.ts';
import { makeVolume } from '../../src/volume/volume.ts';

const volume = (bytes: number) => makeVolume(new Uint8Array(bytes), [bytes, 1, 1], identityAffine());

describe('VolumeStore', () => {
  it('evicts the least recently used entry when full by count', () => {
    const store = new VolumeStore({ maxEntries: 2, maxBytes: 1e6, ttlMs: 60_000 });
    const a = store.put(volume(10));
    const b = store.put(volume(10));
    expect(store.get(a.id)).toBeDefined(); // a is now more recent than b
    const c = store.put(volume(10));
    expect(store.get(b.id)).toBeUndefined();
    expect(store.get(a.id)).toBeDefined();
    expect(store.get(c.id)).toBeDefined();
    expect(store.stats).toEqual({ entries: 2, bytes: 20 });
  });

  it('evicts until the bytes fit, and refuses a volume larger than the whole store', () => {
    const store = new VolumeStore({ maxEntries: 10, maxBytes: 100, ttlMs: 60_000 });
    const a = store.put(volume(40));
    const b = store.put(volume(40));
    const c = store.put(volume(50));
    expect([store.get(a.id), store.get(b.id), store.get(c.id)].map(Boolean)).toEqual([false, true, true]);
    expect(store.stats.bytes).toBe(90);
    expect(() => store.put(volume(101))).toThrow(expect.objectContaining({ code: 'VOLUME_TOO_LARGE_TO_STORE' }));
  });

  it('drops entries after their time to live and when deleted', () => {
    let now = 1000;
    const store = new VolumeStore({ maxEntries: 10, maxBytes: 1e6, ttlMs: 500 }, () => now);
    const a = store.put(volume(10));
    expect(a.expiresAt).toBe(1500);
    now = 1499;
    expect(store.get(a.id)).toBeDefined();
    now = 1500;
    expect(store.get(a.id)).toBeUndefined();
    expect(store.stats).toEqual({ entries: 0, bytes: 0 });
    const b = store.put(volume(10));
    expect(store.delete(b.id)).toBe(true);
    expect(store.delete(b.id)).toBe(false);
  });

  it('keeps its own copy of data that is a view into a larger upload', () => {
    const upload = new Uint8Array(1000);
    const view = makeVolume(upload.subarray(352, 352 + 64), [4, 4, 4], identityAffine());
    const stored = new VolumeStore({ maxEntries: 10, maxBytes: 1e6, ttlMs: 60_000 }).put(view);
    expect(stored.bytes).toBe(64);
    expect(stored.volume.data.buffer).not.toBe(upload.buffer);
  });
});
