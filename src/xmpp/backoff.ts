// Reconnect delays for the long-lived XMPP session: exponential back-off with jitter, so that a
// server restart is not answered by every instance reconnecting in the same millisecond, and a
// server that keeps refusing us is asked less and less often.

export interface BackoffPolicy {
  /** Delay scale of the first retry. */
  readonly initialMs: number;
  /** Longest delay. */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({ initialMs: 1000, maxMs: 5 * 60 * 1000 });

/**
 * Delay before retry number `attempt` (0 for the first): the window doubles with each attempt up
 * to `maxMs`, and the delay is drawn in its upper half ("equal jitter"). Full jitter (0 to the
 * window) spreads better but can retry at once, which turns a server that drops us right after
 * the handshake into a tight loop; half the window is always waited.
 * `random` returns a number in [0, 1).
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const exponent = Number.isFinite(attempt) ? Math.min(Math.max(0, Math.floor(attempt)), 30) : 0;
  const drawn = random();
  const window = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  const r = Number.isFinite(drawn) ? Math.min(Math.max(drawn, 0), 1) : 0;
  return Math.round(window / 2 + (r * window) / 2);
}
