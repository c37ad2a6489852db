import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { deleteInBatches } from '../../database/query-shapes.js';

/** The limits one key is counted under (seconds for the durations). */
export interface BucketLimits {
  max: number;
  window: number;
  backoffBase: number;
  backoffMax: number;
}

/** What reserving an attempt on a key answered. */
export interface KeyReservation {
  /** The key was locked: the attempt was refused and not counted. */
  refused: boolean;
  /** The lock running after this statement (set by this very attempt when it reached the limit). */
  lockedUntil: Date | undefined;
}

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

  /**
   * Counts an attempt on `key` before its password is checked, and answers whether it may go on,
   * in one statement: the row lock of INSERT … ON CONFLICT DO UPDATE serialises racing requests
   * (on every instance sharing the database), so of N parallel attempts at most the `max` left
   * are let through. A locked key refuses without counting; an attempt that reaches `max` sets
   * the lock (backoff_base, doubling with each further attempt, capped) for the ones after it.
   * The count restarts when the last counted attempt is older than the window. `refused` is
   * computed from the row as it was (in SET, the table's columns are the old row), so RETURNING
   * can tell this attempt's verdict apart from a neighbour's.
   */
  async reserve(key: string, now: Date, limits: BucketLimits): Promise<KeyReservation> {
    const windowStart = new Date(now.getTime() - limits.window * 1000);
    const next = `(CASE WHEN t."last_failure_at" < $3 THEN 1 ELSE t."failures" + 1 END)`;
    const lockFor = (count: string): string => `$2::timestamptz + make_interval(secs => least($5::float8 * power(2, least(${count} - $4::int, 30)), $6::float8))`;
    const rows = (await this.dataSource.query(
      `INSERT INTO "login_throttle" AS t ("key", "failures", "last_failure_at", "locked_until", "refused")
       VALUES ($1, 1, $2, CASE WHEN $4::int <= 1 THEN ${lockFor('1')} END, false)
       ON CONFLICT ("key") DO UPDATE SET
         "refused" = COALESCE(t."locked_until" > $2, false),
         "failures" = CASE WHEN t."locked_until" > $2 THEN t."failures" ELSE ${next} END,
         "last_failure_at" = CASE WHEN t."locked_until" > $2 THEN t."last_failure_at" ELSE $2 END,
         "locked_until" = CASE
           WHEN t."locked_until" > $2 THEN t."locked_until"
           WHEN ${next} >= $4::int THEN ${lockFor(next)}
           ELSE NULL END
       RETURNING "refused", "locked_until"`,
      [key, now, windowStart, limits.max, limits.backoffBase, limits.backoffMax],
    )) as { refused: boolean | string; locked_until: Date | string | null }[];
    const row = rows[0]!;
    const refused = row.refused === true || row.refused === 't' || row.refused === 'true';
    const until = row.locked_until === null ? undefined : new Date(row.locked_until);
    return { refused, lockedUntil: until !== undefined && until > now ? until : undefined };
  }

  /**
   * Gives one reserved attempt back (no verdict on the password, or a success on a key a success
   * does not reset): one count less, and the lock lifted if it is still the one that attempt set.
   */
  async giveBack(key: string, lockSet: Date | undefined): Promise<void> {
    await this.dataSource.query(
      `UPDATE "login_throttle" SET "failures" = greatest("failures" - 1, 0),
         "locked_until" = CASE WHEN $2::timestamptz IS NOT NULL AND "locked_until" = $2::timestamptz THEN NULL ELSE "locked_until" END
       WHERE "key" = $1`,
      [key, lockSet ?? null],
    );
  }

  async clear(key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM "login_throttle" WHERE "key" = $1`, [key]);
  }

  /** Deletes the counters nothing needs any more (last failure outside the window, no lock running), in batches. */
  prune(windowStart: Date, now: Date): Promise<number> {
    return deleteInBatches(this.dataSource, 'login_throttle', `"last_failure_at" < $1 AND ("locked_until" IS NULL OR "locked_until" < $2)`, [windowStart, now]);
  }
}
