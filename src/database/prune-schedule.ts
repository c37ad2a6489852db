// When expired rows are deleted: every `database.prune_interval`, by every instance (the deletes
// are idempotent, and batched with SKIP LOCKED so that instances pruning together do not queue).

import type { Logger } from 'pino';

/** What one pass prunes: a name for the log, and the pass (answering how many rows went, if it knows). */
export type PruneTasks = Readonly<Record<string, () => Promise<unknown>>>;

/**
 * Runs the tasks one after the other every `intervalSeconds`, skipping a tick while the previous
 * pass still runs (a large backlog goes in many batches); the timer does not keep the process
 * alive. A task that fails is logged (warn) and the others still run; rows removed are logged at
 * debug. Answers the function that stops it.
 */
export function schedulePruning(intervalSeconds: number, logger: Logger, tasks: PruneTasks): () => void {
  let running = false;
  const pass = async (): Promise<void> => {
    for (const [what, prune] of Object.entries(tasks)) {
      try {
        const removed = await prune();
        if (typeof removed === 'number' && removed > 0) logger.debug({ what, removed }, 'pruned');
      } catch (error) {
        logger.warn({ err: error, what }, 'pruning failed; the next pass tries again');
      }
    }
  };
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void pass().finally(() => (running = false));
  }, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
