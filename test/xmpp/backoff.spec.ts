import { backoffDelay } from '../../src/xmpp/backoff.js';

describe('reconnect back-off', () => {
  const policy = { initialMs: 1000, maxMs: 60_000 };

  it('doubles the window with each attempt and waits at least half of it', () => {
    expect(backoffDelay(0, policy, () => 0)).toBe(500);
    expect(backoffDelay(0, policy, () => 0.999999)).toBe(1000);
    expect(backoffDelay(1, policy, () => 0)).toBe(1000);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(6000);
  });

  it('never exceeds the maximum, however many attempts', () => {
    expect(backoffDelay(6, policy, () => 0.999999)).toBe(60_000);
    expect(backoffDelay(1000, policy, () => 0.999999)).toBe(60_000);
    expect(backoffDelay(1000, policy, () => 0)).toBe(30_000);
  });

  it('tolerates out-of-range inputs', () => {
    expect(backoffDelay(-3, policy, () => 2)).toBe(1000);
    expect(backoffDelay(Number.NaN, policy, () => -1)).toBe(500);
  });
});
