import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { deleteInBatches } from '../../database/query-shapes.js';

/** SQL of the login_devices table: the SHA-256 of each device cookie, bound to its account. */
@Injectable()
export class LoginDeviceRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Stores a new device cookie's hash and keeps only the account's `keep` newest, in one
   * statement: a person who signs in from many browsers does not grow the table without bound.
   */
  async insert(tokenHash: Buffer, userId: string, now: Date, expiresAt: Date, keep: number): Promise<void> {
    await this.dataSource.query(`INSERT INTO "login_devices" ("token_hash", "user_id", "created_at", "expires_at") VALUES ($1, $2, $3, $4)`, [tokenHash, userId, now, expiresAt]);
    await this.dataSource.query(
      `DELETE FROM "login_devices" WHERE "user_id" = $1 AND "token_hash" NOT IN (
         SELECT "token_hash" FROM "login_devices" WHERE "user_id" = $1 ORDER BY "created_at" DESC, "token_hash" LIMIT $2)`,
      [userId, keep],
    );
  }

  /** Whether this hash is an unexpired device cookie of the account domain/username. */
  async ownedBy(tokenHash: Buffer, domain: string, username: string, now: Date): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `SELECT 1 FROM "login_devices" d JOIN "users" u ON u."id" = d."user_id"
       WHERE d."token_hash" = $1 AND d."expires_at" > $2 AND u."domain" = $3 AND u."username" = $4`,
      [tokenHash, now, domain, username],
    )) as unknown[];
    return rows.length > 0;
  }

  /** "Remember this device": the account's sign-ins from this device cookie skip the second factor until `until`. */
  async rememberFactor(tokenHash: Buffer, userId: string, until: Date): Promise<void> {
    await this.dataSource.query(`UPDATE "login_devices" SET "factor_remembered_until" = LEAST($3::timestamptz, "expires_at") WHERE "token_hash" = $1 AND "user_id" = $2`, [tokenHash, userId, until]);
  }

  /** Whether this device cookie of the account is remembered past the second factor at `now`. */
  async factorRemembered(tokenHash: Buffer, userId: string, now: Date): Promise<boolean> {
    const rows = (await this.dataSource.query(`SELECT 1 FROM "login_devices" WHERE "token_hash" = $1 AND "user_id" = $2 AND "expires_at" > $3 AND "factor_remembered_until" > $3`, [
      tokenHash,
      userId,
      now,
    ])) as unknown[];
    return rows.length > 0;
  }

  pruneExpired(now: Date): Promise<number> {
    return deleteInBatches(this.dataSource, 'login_devices', `"expires_at" < $1`, [now]);
  }
}
