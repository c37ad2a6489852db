import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { DeleteResult, ObjectLiteral, Repository, UpdateResult } from 'typeorm';

// Query shapes several repositories share. Only repositories call these (STYLE.md §5).

/** How many rows a DELETE or UPDATE touched (the pg driver always reports it). */
export function affected(result: DeleteResult | UpdateResult): number {
  return result.affected ?? 0;
}

/** Rows one pruning statement deletes at most. */
export const PRUNE_BATCH_SIZE = 1000;

/** What runs SQL: a Repository, an EntityManager or the DataSource. */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * Deletes the rows of `table` matching `where` (its parameters $1…$n in `parameters`), at most
 * `batchSize` per statement, until a statement deletes fewer; answers how many went. Each batch
 * is its own short transaction, so a backlog of a million expired rows never holds locks, a WAL
 * burst or a pool connection for long, and requests get the event loop (and the pool) between
 * batches. SKIP LOCKED: instances pruning at the same time take different rows instead of
 * queueing behind each other. `where` must be served by an index (test/database/explain.spec.ts).
 */
export async function deleteInBatches(runner: SqlRunner, table: string, where: string, parameters: readonly unknown[], batchSize = PRUNE_BATCH_SIZE): Promise<number> {
  const limit = `$${parameters.length + 1}`;
  const sql = `WITH deleted AS (
    DELETE FROM "${table}" WHERE ctid = ANY(ARRAY(SELECT ctid FROM "${table}" WHERE ${where} LIMIT ${limit} FOR UPDATE SKIP LOCKED)) RETURNING 1
  ) SELECT count(*)::int AS n FROM deleted`;
  let total = 0;
  for (;;) {
    const rows = (await runner.query(sql, [...parameters, batchSize])) as { n: number | string }[];
    const n = Number(rows[0]?.n ?? 0);
    total += n;
    if (n < batchSize) return total;
    await yieldToEventLoop();
  }
}

/** Deletes the rows whose expires_at is before `before`, in batches (deleteInBatches); answers how many went. */
export function deleteExpiredBefore<T extends ObjectLiteral & { expiresAt: Date }>(repository: Repository<T>, before: Date, batchSize = PRUNE_BATCH_SIZE): Promise<number> {
  const column = repository.metadata.findColumnWithPropertyName('expiresAt')!.databaseName;
  return deleteInBatches(repository, repository.metadata.tableName, `"${column}" < $1`, [before.toISOString()], batchSize);
}
