import { RecentCache } from '../../src/common/recent-cache.js';

// src/common/recent-cache.ts: the per-process memory of recent answers, and load(), which makes
// the misses of one key at one moment share one load.

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe(RecentCache.name, () => {
  it('loads a missing key once for all who ask at the same moment, then answers from memory', async () => {
    const cache = new RecentCache<string>(60_000, 10);
    const gate = deferred<string>();
    const loader = vi.fn(() => gate.promise);
    const answers = Promise.all([1, 2, 3, 4].map(() => cache.load('k', loader)));
    gate.resolve('row');
    expect(await answers).toEqual(['row', 'row', 'row', 'row']);
    expect(await cache.load('k', loader)).toBe('row');
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it('remembers only what keep() accepts, and loads again after the entry expires', async () => {
    const cache = new RecentCache<string>(20, 10);
    const loader = vi.fn(async () => undefined as string | undefined);
    expect(await cache.load('unknown', loader, (v) => v !== undefined)).toBeUndefined();
    expect(await cache.load('unknown', loader, (v) => v !== undefined)).toBeUndefined();
    expect(loader).toHaveBeenCalledTimes(2);
    const found = vi.fn(async () => 'x');
    await cache.load('known', found);
    await new Promise((r) => setTimeout(r, 40));
    await cache.load('known', found);
    expect(found).toHaveBeenCalledTimes(2);
  });

  it('keeps a load that a change overtook out of memory, and does not let later callers join it', async () => {
    const cache = new RecentCache<string>(60_000, 10);
    const old = deferred<string>();
    const first = cache.load('k', () => old.promise);
    // A revoke, a logout, a changed account: forgotten while the read was under way.
    cache.deleteWhere((_v, key) => key === 'k');
    const second = cache.load('k', async () => 'new');
    old.resolve('old');
    expect(await first).toBe('old');
    expect(await second).toBe('new');
    expect(cache.lookup('k')).toEqual(expect.objectContaining({ value: 'new' }));
  });

  it('lets a failed load fail its callers only: the next one loads again', async () => {
    const cache = new RecentCache<string>(60_000, 10);
    const failing = Promise.all([1, 2].map(() => cache.load('k', () => Promise.reject(new Error('database unavailable')))));
    await expect(failing).rejects.toThrow('database unavailable');
    expect(await cache.load('k', async () => 'row')).toBe('row');
  });
});
