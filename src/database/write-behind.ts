import type { Logger } from 'pino';

// Rows that need not hold up the response they describe (audit events, "last used" stamps) are
// written behind it: queued, then written in batches, a few milliseconds later or as soon as a
// batch is full. Readers of the same process flush first (read-your-writes: the history page
// shows the sign-in that led to it), and the application flushes before the database closes on
// shutdown, so a clean stop loses nothing. A failed batch is kept and retried with the next one;
// what cannot be kept (the database down for long, more than `maxPending` rows waiting) is
// dropped oldest first and said in the log, as a failed single write was before.

export interface WriteBehindOptions<T> {
  /** Writes one batch; throws if nothing was written. */
  readonly write: (batch: readonly T[]) => Promise<void>;
  readonly logger: Logger;
  /** What the rows are, for log lines. */
  readonly what: string;
  /** How long a row may wait for company (ms). */
  readonly delayMs?: number;
  readonly maxBatch?: number;
  readonly maxPending?: number;
  /** Merges a row into the queue (e.g. keep one stamp per key); default: append. */
  readonly merge?: (queue: T[], row: T) => void;
}

export class WriteBehind<T> {
  private queue: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly delayMs: number;
  private readonly maxBatch: number;
  private readonly maxPending: number;

  constructor(private readonly options: WriteBehindOptions<T>) {
    this.delayMs = options.delayMs ?? 20;
    this.maxBatch = options.maxBatch ?? 500;
    this.maxPending = options.maxPending ?? 50_000;
  }

  /** Queues a row; never throws, never waits for the database. */
  add(row: T): void {
    if (this.options.merge) this.options.merge(this.queue, row);
    else this.queue.push(row);
    if (this.queue.length > this.maxPending) {
      const dropped = this.queue.length - this.maxPending;
      this.queue.splice(0, dropped);
      this.options.logger.error({ dropped, what: this.options.what }, 'write-behind queue full: oldest rows dropped');
    }
    if (this.queue.length >= this.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.delayMs);
  }

  /** Rows waiting (for metrics and tests). */
  get pending(): number {
    return this.queue.length;
  }

  /** Writes everything queued so far; resolves once it is written or has failed (and is kept). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // One batch at a time, in order: a flush asked for while one runs waits for it, then writes the rest.
    while (this.running) await this.running;
    if (this.queue.length === 0) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
    await this.running;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.maxBatch);
      try {
        await this.options.write(batch);
      } catch (error) {
        if (!isPermanent(error)) {
          this.options.logger.warn({ err: error, rows: this.queue.length, what: this.options.what }, 'could not write queued rows; retrying soon');
          this.timer ??= setTimeout(() => void this.flush(), Math.max(this.delayMs, 1000));
          return;
        }
        // A row the database will never take (say, an event of an account deleted meanwhile:
        // a foreign-key violation) must not hold back the others: write them one by one.
        if (!(await this.oneByOne(batch))) return;
      }
      this.queue.splice(0, batch.length);
    }
  }

  /** Answers false (rows kept) when the database stopped answering on the way. */
  private async oneByOne(batch: readonly T[]): Promise<boolean> {
    for (const [index, row] of batch.entries()) {
      try {
        await this.options.write([row]);
      } catch (error) {
        if (!isPermanent(error)) {
          // What was written is done; the rest waits for the next attempt.
          this.queue.splice(0, index);
          this.timer ??= setTimeout(() => void this.flush(), Math.max(this.delayMs, 1000));
          return false;
        }
        this.options.logger.error({ err: error, what: this.options.what }, 'a queued row was refused by the database and dropped');
      }
    }
    return true;
  }
}

/** PostgreSQL SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): retrying cannot help. */
function isPermanent(error: unknown): boolean {
  const code = (error as { driverError?: { code?: unknown }; code?: unknown }).driverError?.code ?? (error as { code?: unknown }).code;
  return typeof code === 'string' && /^2[23]/.test(code);
}
