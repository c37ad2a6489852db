/**
 * A bounded per-process memory of recent answers: each entry is kept for `ttlMs` (monotonic
 * clock), the oldest goes first when `maxEntries` is reached. It is what lets a hot read skip its
 * database round trip while a change made by another process still counts within the TTL; a
 * change made here is applied at once by whoever owns the cache (`delete`, `deleteWhere`).
 */
export class RecentCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  /** Loads under way (load()), by key. */
  private readonly loading = new Map<string, Promise<V | undefined>>();
  /** Counts the changes (delete, deleteWhere, clear): a load started before one is not remembered. */
  private changes = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** The entry, if it is there and fresh: `{ value }`, so that a remembered `undefined` counts. */
  lookup(key: string): { value: V } | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until > performance.now()) return entry;
    this.entries.delete(key);
    return undefined;
  }

  /**
   * The fresh entry, or else what `loader` answers, remembered when `keep` says so (e.g. not an
   * unknown token). Misses of one key at the same moment share one load: when an entry expires
   * under load, the requests that find it gone wait for one query instead of sending one each
   * (a stampede that also made the connection pool grow, each new connection slow to open on a
   * busy machine: p99 of W1 over 400 ms, docs/performance.md 2026-12-08). A change made while a
   * load is under way (delete, deleteWhere, clear) keeps its answer out of the cache, and later
   * callers load afresh rather than join it.
   */
  load(key: string, loader: () => Promise<V | undefined>, keep: (value: V | undefined) => boolean = () => true): Promise<V | undefined> {
    const fresh = this.lookup(key);
    if (fresh !== undefined) return Promise.resolve(fresh.value);
    const pending = this.loading.get(key);
    if (pending !== undefined) return pending;
    const changes = this.changes;
    const promise = loader()
      .then((value) => {
        if (changes === this.changes && keep(value)) this.set(key, value as V);
        return value;
      })
      .finally(() => {
        if (this.loading.get(key) === promise) this.loading.delete(key);
      });
    this.loading.set(key, promise);
    return promise;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, until: performance.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
    this.changed();
  }

  /** Forgets every entry the predicate picks (changes are rare; the cache is bounded). */
  deleteWhere(pick: (value: V, key: string) => boolean): void {
    for (const [key, entry] of this.entries) if (pick(entry.value, key)) this.entries.delete(key);
    this.changed();
  }

  /** Loads under way may have read what just changed: none is remembered, none is joined. */
  private changed(): void {
    this.changes += 1;
    this.loading.clear();
  }

  /**
   * Runs a write that ends what the picked entries say (a logout, a revoke), forgetting them before
   * and after it: a lookup that misses while the write is under way would remember the old row.
   */
  async deleteAround<T>(pick: (value: V, key: string) => boolean, write: () => Promise<T>): Promise<T> {
    this.deleteWhere(pick);
    try {
      return await write();
    } finally {
      this.deleteWhere(pick);
    }
  }

  clear(): void {
    this.entries.clear();
    this.changed();
  }
}
