import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { deleteInBatches } from '../../database/query-shapes.js';

/** SQL of the login_throttle table; every write is one statement so that instances can race. */
@Injectable()
export class LoginThrottleRepository {
  constructor(private readonly dataSource: DataSource) {}

  async latestLock(keys: readonly string[], now: Date): Promise<Date | undefined> {
    const rows = (await this.dataSource.query(`SELECT max("locked_until") AS until FROM "login_throttle" WHERE "key" = ANY($1) AND "locked_until" > $2`, [keys, now])) as {
      until: Date | string | null;
    }[];
    const until = rows[0]?.until;
    return until ? new Date(until) : undefined;
  }

  /** Counts a failure (restarting the count when the last one is older than `windowStart`). */
  async addFailure(key: string, now: Date, windowStart: Date): Promise<number> {
    const rows = (await this.dataSource.query(
      `INSERT INTO "login_throttle" ("key", "failures", "last_failure_at") VALUES ($1, 1, $2)
       ON CONFLICT ("key") DO UPDATE SET
         "failures" = CASE WHEN "login_throttle"."last_failure_at" < $3 THEN 1 ELSE "login_throttle"."failures" + 1 END,
         "last_failure_at" = $2
       RETURNING "failures"`,
      [key, now, windowStart],
    )) as { failures: number | string }[];
    return Number(rows[0]!.failures);
  }

  async lock(key: string, until: Date): Promise<void> {
    await this.dataSource.query(`UPDATE "login_throttle" SET "locked_until" = $2 WHERE "key" = $1`, [key, until]);
  }

  async clear(key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM "login_throttle" WHERE "key" = $1`, [key]);
  }

  /** Deletes the counters nothing needs any more (last failure outside the window, no lock running), in batches. */
  prune(windowStart: Date, now: Date): Promise<number> {
    return deleteInBatches(this.dataSource, 'login_throttle', `"last_failure_at" < $1 AND ("locked_until" IS NULL OR "locked_until" < $2)`, [windowStart, now]);
  }
}
