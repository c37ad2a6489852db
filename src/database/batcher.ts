// Statements that many requests make at once, gathered into one: each request submits its item
// and waits for its own result, and the items submitted during one turn of the event loop (or
// while the previous batch was in flight) go to the database together, as one statement with
// array parameters. A request is answered only once its batch is stored, so nothing is
// acknowledged early; a failed statement fails every item of its batch, as the single statement
// failed its one request before. Used where a request must wait for its write (the nonce ledger,
// new associations); writes that need not hold the response are written behind it instead
// (write-behind.ts).

export class Batcher<T, R> {
  private queue: { item: T; resolve(result: R): void; reject(error: unknown): void }[] = [];
  private scheduled = false;
  private inFlight = false;

  /** `run` answers one result per item, in order. */
  constructor(
    private readonly run: (items: readonly T[]) => Promise<readonly R[]>,
    private readonly maxBatch: number,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.next();
    });
  }

  private async next(): Promise<void> {
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.inFlight = true;
    try {
      const results = await this.run(batch.map((b) => b.item));
      if (results.length !== batch.length) throw new Error(`batch of ${batch.length} answered ${results.length} results`);
      batch.forEach((b, i) => b.resolve(results[i]!));
    } catch (error) {
      for (const b of batch) b.reject(error);
    } finally {
      this.inFlight = false;
      if (this.queue.length > 0) this.schedule();
    }
  }
}
