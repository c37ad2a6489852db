// A token bucket per sender for the bot's chat commands: `burst` commands in a row, then one more
// every `everyMs`. In memory: the bot's XMPP session lives in one process, so does its limit.
// Bounded: the least recently seen senders are forgotten first (a full bucket is the default).

export interface ChatRateLimit {
  readonly burst: number;
  readonly everyMs: number;
}

const MAX_SENDERS = 10_000;

export class ChatRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limit: ChatRateLimit) {}

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
    if (this.buckets.size > MAX_SENDERS) this.buckets.delete(this.buckets.keys().next().value!);
    return true;
  }
}
