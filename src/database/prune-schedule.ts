// When expired rows are deleted: every `database.prune_interval`, by every instance (the deletes
// are idempotent, and batched with SKIP LOCKED so that instances pruning together do not queue).

/**
 * Calls `prune` every `intervalSeconds`, skipping a tick while the previous pass still runs (a
 * large backlog goes in many batches); the timer does not keep the process alive. Answers the
 * function that stops it.
 */
export function schedulePruning(intervalSeconds: number, prune: () => Promise<unknown>): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void prune()
      .catch(() => undefined)
      .finally(() => (running = false));
  }, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
