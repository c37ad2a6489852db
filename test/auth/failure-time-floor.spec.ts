import { FailureTimeFloor } from '../../src/auth/login/failure-time-floor.js';

// The floor that keeps an XMPP server's faster "unknown account" refusals from showing
// (OWASP WSTG-IDNT-04): a high quantile of raw refusal times, capped, never fed by its own waits.
describe('FailureTimeFloor', () => {
  it('is 0 before any refusal, then the 95th percentile of the last refusals', async () => {
    const floor = new FailureTimeFloor(10_000);
    expect(floor.floor()).toBe(0);
    for (let i = 1; i <= 100; i++) await floor.hold(i);
    // 1..100 ms seen: index floor(0.95 × 100) = 95 of the sorted values, 96 ms.
    expect(floor.floor()).toBe(96);
  });

  it('keeps only the last `window` refusals, so a burst of slow ones ages out', async () => {
    const floor = new FailureTimeFloor(10_000, 10);
    for (let i = 0; i < 10; i++) await floor.hold(50 + i);
    expect(floor.floor()).toBe(59);
    // Each fast one waits for the floor of its time, which falls as the slow ones age out.
    for (let i = 0; i < 10; i++) await floor.hold(1);
    expect(floor.floor()).toBe(1);
  });

  it('never waits longer than its cap, and ignores impossible durations', async () => {
    const floor = new FailureTimeFloor(30);
    await floor.hold(60_000);
    expect(floor.floor()).toBe(30);
    await floor.hold(Number.NaN);
    await floor.hold(-5);
    expect(floor.floor()).toBe(30);
  });

  it('holds a fast refusal until the floor: an unknown account answered like a wrong password', async () => {
    // Seeded with "wrong password" refusals of 40 ms (their own time already spent).
    const slow = new FailureTimeFloor(1_000);
    for (let i = 0; i < 20; i++) await slow.hold(40);
    const started = performance.now();
    await slow.hold(2); // an "unknown account" answered by the server after 2 ms
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(37);
    expect(waited).toBeLessThan(1_000);
  });
});
