import { TokenBuckets } from '../../src/common/token-buckets.js';

describe(TokenBuckets.name, () => {
  it('allows a burst, then one command per interval, per sender', () => {
    const limiter = new TokenBuckets({ burst: 3, everyMs: 2000 });
    expect([0, 1, 2, 3].map(() => limiter.take('romeo@example.org', 0))).toEqual([true, true, true, false]);
    expect(limiter.take('juliet@example.org', 0)).toBe(true);
    expect(limiter.take('romeo@example.org', 1999)).toBe(false);
    // Two intervals after the burst: two more commands, then none.
    expect(limiter.take('romeo@example.org', 4000)).toBe(true);
    expect(limiter.take('romeo@example.org', 4001)).toBe(true);
    expect(limiter.take('romeo@example.org', 4002)).toBe(false);
    // A long pause refills the bucket to the burst, never beyond it.
    expect([0, 1, 2, 3].map(() => limiter.take('romeo@example.org', 600_000))).toEqual([true, true, true, false]);
  });
});
