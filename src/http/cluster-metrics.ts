import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { Metrics } from './metrics.js';

// /metrics across node:cluster workers (src/cluster.ts). Each worker counts its own requests; a
// scrape lands on one of them (the kernel picks), so a per-process answer would jump between
// workers' figures and a counter would seem to go backwards. The worker that receives the scrape
// asks the primary, which collects every worker's metrics over IPC and sums them the way
// prom-client does for clusters (AggregatorRegistry.aggregate: counters and histograms added,
// gauges by their `aggregator`: sum unless said otherwise). Nothing crosses but metric values.

/** IPC message types (worker → primary → workers → primary → worker). */
export const METRICS_COLLECT = 'metrics:collect';
export const METRICS_GET = 'metrics:get';
export const METRICS_PART = 'metrics:part';
export const METRICS_RESULT = 'metrics:result';

/** How long the primary waits for the workers' parts, and a worker for the primary's answer. */
export const METRICS_TIMEOUT_MS = 2_000;

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

interface Message {
  type?: unknown;
  id?: unknown;
}

/**
 * The worker's side: answers the primary's requests for this process's metrics, and asks the
 * primary for the whole set when it serves a scrape. Outside a cluster (one process), the
 * process's own registry is the whole set.
 */
@Injectable()
export class ClusterMetrics implements OnApplicationShutdown {
  private refresh: () => Promise<void> = () => Promise.resolve();
  private readonly waiting = new Map<string, { resolve: (text: string) => void; timer: NodeJS.Timeout }>();
  private readonly onMessage = (message: unknown): void => {
    const m = message as Message | null;
    if (m?.type === METRICS_GET && typeof m.id === 'string') {
      const id = m.id;
      void this.refreshed()
        .then(() => this.metrics.registry.getMetricsAsJSON())
        .then(
        (metrics) => process.send?.({ type: METRICS_PART, id, metrics }),
        () => process.send?.({ type: METRICS_PART, id, metrics: [] }),
      );
    } else if (m?.type === METRICS_RESULT && typeof m.id === 'string') {
      const entry = this.waiting.get(m.id);
      if (!entry) return;
      this.waiting.delete(m.id);
      clearTimeout(entry.timer);
      entry.resolve(String((m as { text?: unknown }).text ?? ''));
    }
  };

  constructor(@Inject(Metrics) private readonly metrics: Metrics) {
    if (cluster.isWorker) process.on('message', this.onMessage);
  }

  get contentType(): string {
    return this.metrics.registry.contentType;
  }

  /** What each process updates before its metrics are read (gauges that say how things are now, e.g. database_ready). */
  beforeCollect(refresh: () => Promise<void>): void {
    this.refresh = refresh;
  }

  /** The exposition text of every worker together (or of this process alone when it is the only one). */
  async scrape(): Promise<string> {
    if (!cluster.isWorker || !process.send) {
      await this.refreshed();
      return this.metrics.registry.metrics();
    }
    const id = randomUUID();
    return new Promise<string>((resolve) => {
      // The primary answers within its own timeout; should it not (it is gone), this worker's own
      // figures are better than no answer.
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        void this.metrics.registry.metrics().then(resolve, () => resolve(''));
      }, METRICS_TIMEOUT_MS + 500);
      timer.unref();
      this.waiting.set(id, { resolve, timer });
      process.send!({ type: METRICS_COLLECT, id });
    });
  }

  private refreshed(): Promise<void> {
    // A failed refresh leaves the gauge as it was: the scrape still answers.
    return this.refresh().catch(() => undefined);
  }

  onApplicationShutdown(): void {
    process.off('message', this.onMessage);
    for (const entry of this.waiting.values()) clearTimeout(entry.timer);
    this.waiting.clear();
  }
}

/** What the primary needs of its workers: who is connected, and a way to message each. */
export interface MetricsPeer {
  index: number;
  send(message: object): void;
}

/**
 * The primary's side: for one scrape, asks every connected worker for its metrics and answers the
 * asking worker with their sum. A worker that does not answer within METRICS_TIMEOUT_MS is left
 * out (the others are still summed; `openid_metrics_workers_reporting` says how many answered).
 */
export class MetricsAggregator {
  private readonly pending = new Map<string, { parts: MetricsJson[]; expected: number; answer: (text: string) => void; timer: NodeJS.Timeout }>();

  constructor(private readonly onError: (error: unknown) => void) {}

  /** A scrape asked by `from` (message id `id`), with the workers connected now. */
  collect(id: string, from: MetricsPeer, workers: readonly MetricsPeer[]): void {
    if (this.pending.has(id)) return;
    const timer = setTimeout(() => this.finish(id), METRICS_TIMEOUT_MS);
    timer.unref();
    this.pending.set(id, { parts: [], expected: workers.length, answer: (text) => from.send({ type: METRICS_RESULT, id, text }), timer });
    for (const worker of workers) worker.send({ type: METRICS_GET, id });
    if (workers.length === 0) this.finish(id);
  }

  /** A worker's part of scrape `id`; the last one answers at once rather than at the timeout. */
  part(id: string, metrics: unknown): void {
    const entry = this.pending.get(id);
    if (!entry || !Array.isArray(metrics)) return;
    entry.parts.push(metrics as MetricsJson);
    if (entry.parts.length >= entry.expected) this.finish(id);
  }

  private finish(id: string): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    void aggregate(entry.parts, entry.expected).then(entry.answer, (error: unknown) => {
      this.onError(error);
      entry.answer('');
    });
  }
}

async function aggregate(parts: MetricsJson[], expected: number): Promise<string> {
  const registry = AggregatorRegistry.aggregate(parts);
  const text = await registry.metrics();
  return (
    text +
    '# HELP openid_metrics_workers_reporting Worker processes whose metrics this scrape sums, out of openid_metrics_workers.\n' +
    '# TYPE openid_metrics_workers_reporting gauge\n' +
    `openid_metrics_workers_reporting ${parts.length}\n` +
    '# HELP openid_metrics_workers Worker processes running when this scrape was taken.\n' +
    '# TYPE openid_metrics_workers gauge\n' +
    `openid_metrics_workers ${expected}\n`
  );
}
