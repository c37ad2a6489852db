// A token bucket per key (a chat sender, a client address): `burst` actions in a row, then one
// more every `everyMs`. In memory, per process: take() is synchronous, so concurrent requests of
// one process cannot race past it. Bounded: the least recently seen keys are forgotten first (a
// full bucket is the default). Used for the bot's chat commands and associate requests.

export interface RateLimit {
  readonly burst: number;
  readonly everyMs: number;
}

const MAX_KEYS = 10_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limit: RateLimit) {}

  /** Takes one token for `sender` at `nowMs`; false when the sender has none left. */
  take(sender: string, nowMs: number): boolean {
    const previous = this.buckets.get(sender);
    const refill = previous === undefined ? this.limit.burst : previous.tokens + (nowMs - previous.at) / this.limit.everyMs;
    const tokens = Math.min(this.limit.burst, refill);
    this.buckets.delete(sender);
    if (tokens < 1) {
      this.buckets.set(sender, { tokens, at: nowMs });
      return false;
    }
    this.buckets.set(sender, { tokens: tokens - 1, at: nowMs });
    if (this.buckets.size > MAX_KEYS) this.buckets.delete(this.buckets.keys().next().value!);
    return true;
  }
}
