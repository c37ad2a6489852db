import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Holds every refused password check of one source to a common floor, so that the time of a
 * refusal does not say why it was refused (OWASP ASVS 4.0 2.2.1; OWASP WSTG-IDNT-04, "Testing for
 * Account Enumeration"). Needed where the checker itself is not constant-time: Prosody's
 * mod_auth_internal_hashed answers SASL PLAIN for an unknown account before any PBKDF2, and for a
 * wrong password only after one (its iteration count, ~5 ms), while both answers are the same
 * RFC 6120 §6.5.10 not-authorized. Through us, that difference would be a remote account oracle.
 *
 * The floor is a high quantile (95th) of the last refusals' own durations (their raw times, never
 * the padded ones, so it does not creep up by itself), at most `capMs`. Refusals faster than it
 * wait for the rest of it; the few slower ones are answered at once, and as they are a mix of both
 * kinds, the tail says little. Waiting costs a timer, not CPU.
 */
export class FailureTimeFloor {
  private readonly samples: number[] = [];
  private next = 0;

  constructor(
    private readonly capMs: number,
    private readonly window = 100,
    private readonly quantile = 0.95,
  ) {}

  /** The floor now, in ms: 0 before any refusal was seen. */
  floor(): number {
    if (this.samples.length === 0) return 0;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = Math.min(sorted.length - 1, Math.floor(this.quantile * sorted.length));
    return Math.min(this.capMs, sorted[at]!);
  }

  /** Records a refusal that took `elapsedMs` and waits until it has taken at least the floor. */
  async hold(elapsedMs: number): Promise<void> {
    this.record(elapsedMs);
    const wait = this.floor() - elapsedMs;
    if (wait > 0) await sleep(wait);
  }

  private record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    if (this.samples.length < this.window) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.window;
  }
}
