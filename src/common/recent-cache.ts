/**
 * A bounded per-process memory of recent answers: each entry is kept for `ttlMs` (monotonic
 * clock), the oldest goes first when `maxEntries` is reached. It is what lets a hot read skip its
 * database round trip while a change made by another process still counts within the TTL; a
 * change made here is applied at once by whoever owns the cache (`delete`, `deleteWhere`).
 */
export class RecentCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

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

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, until: performance.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every entry the predicate picks (changes are rare; the cache is bounded). */
  deleteWhere(pick: (value: V, key: string) => boolean): void {
    for (const [key, entry] of this.entries) if (pick(entry.value, key)) this.entries.delete(key);
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
  }
}
