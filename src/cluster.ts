import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from './config/config.schema.js';
import { METRICS_COLLECT, METRICS_PART, MetricsAggregator, type MetricsPeer } from './http/cluster-metrics.js';

// Several processes on one machine (node:cluster): the primary only supervises; each worker is a
// complete provider (same configuration, same listener handle, shared by the kernel) working on
// the same PostgreSQL, which holds every piece of state that must be shared (sessions, grants,
// associations, nonces, throttle rows). The embedded database belongs to one process: there,
// one worker, in the primary itself.

/** The environment variable telling a worker its index (0 … N-1, kept across restarts). */
export const WORKER_INDEX_ENV = 'OPENID_PROVIDER_WORKER';

/** How many processes serve requests for this configuration. */
export function workerCount(config: Config): number {
  if (!config.database.url) return 1;
  return config.server.workers === 'auto' ? availableParallelism() : config.server.workers;
}

/**
 * This process's index among the workers (0 when there is only one). Duties that must run once
 * per machine rather than once per process (the OpenID bot's XMPP link, periodic pruning) run in
 * worker 0 only.
 */
export function workerIndex(): number {
  const value = Number(process.env[WORKER_INDEX_ENV] ?? '0');
  return Number.isInteger(value) && value >= 0 ? value : 0;
}

export function isFirstWorker(): boolean {
  return workerIndex() === 0;
}

// A worker that dies is restarted after a delay that doubles while they keep dying young.
const RESTART_BASE_MS = 500;
const RESTART_MAX_MS = 30_000;
const STABLE_AFTER_MS = 30_000;

/**
 * Runs the primary: forks `count` workers, restarts the ones that die (back-off while they die
 * within seconds of starting, e.g. the database is down), and on SIGTERM/SIGINT stops them all,
 * each finishing its in-flight requests, then exits (0 if every worker stopped cleanly).
 */
export function superviseWorkers(count: number, log: Logger, graceSeconds: number): void {
  const byIndex = new Map<number, Worker>();
  const startedAt = new Map<number, number>();
  const failures = new Map<number, number>();
  let stopping = false;
  let unclean = false;

  const fork = (index: number): void => {
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index) });
    byIndex.set(index, worker);
    worker.on('message', (message: unknown) => relay(index, message));
    startedAt.set(index, Date.now());
    worker.on('exit', (code, signal) => {
      byIndex.delete(index);
      if (stopping) {
        if (code !== 0) unclean = true;
        if (byIndex.size === 0) {
          log.info({ workers: count }, 'all workers stopped');
          process.exit(unclean ? 1 : 0);
        }
        return;
      }
      const lived = Date.now() - (startedAt.get(index) ?? 0);
      const failed = lived < STABLE_AFTER_MS ? (failures.get(index) ?? 0) + 1 : 1;
      failures.set(index, failed);
      const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** (failed - 1));
      log.error({ worker: index, code, signal, restartInMs: delay }, 'worker exited: restarting it');
      setTimeout(() => {
        if (!stopping) fork(index);
      }, delay).unref();
    });
  };

  const aggregator = new MetricsAggregator((error) => log.error({ err: error }, 'metrics aggregation failed'));
  const peer = (index: number, worker: Worker): MetricsPeer => ({ index, send: (m) => worker.send(m) });

  // The OpenID bot's link lives in worker 0 (src/xmpp/bot/openid-bot.service.ts): its health goes
  // to the other workers, their stanzas to it. A scrape of /metrics gathers every worker's metrics
  // (src/http/cluster-metrics.ts). Nothing else travels between workers.
  const relay = (from: number, message: unknown): void => {
    const m = message as { type?: unknown; id?: unknown; metrics?: unknown } | null;
    const type = m?.type;
    if (type === METRICS_COLLECT && typeof m?.id === 'string') {
      const asker = byIndex.get(from);
      if (!asker?.isConnected()) return;
      const connected = [...byIndex].filter(([, w]) => w.isConnected()).map(([i, w]) => peer(i, w));
      aggregator.collect(m.id, peer(from, asker), connected);
    } else if (type === METRICS_PART && typeof m?.id === 'string') {
      aggregator.part(m.id, m.metrics);
    } else if (type === 'openid-bot:health' && from === 0) {
      for (const [index, worker] of byIndex) if (index !== 0 && worker.isConnected()) worker.send(message as object);
    } else if (type === 'openid-bot:send' && from !== 0) {
      const holder = byIndex.get(0);
      if (holder?.isConnected()) holder.send(message as object);
    }
  };

  for (let i = 0; i < count; i += 1) fork(i);
  log.info({ workers: count, pid: process.pid }, 'primary process supervising the workers');

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping the workers');
    if (byIndex.size === 0) process.exit(0);
    for (const worker of byIndex.values()) worker.process.kill('SIGTERM');
    // Each worker has shutdown_grace to finish; after that (and a margin) the primary stops waiting.
    setTimeout(() => {
      log.error('workers still running after the shutdown grace period: exiting');
      for (const worker of byIndex.values()) worker.process.kill('SIGKILL');
      process.exit(1);
    }, (graceSeconds + 5) * 1000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
