import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { deleteInBatches } from '../../database/query-shapes.js';
import { OidcModel } from './oidc-model.entity.js';

const COLUMNS = `"model", "id", "payload", "grant_id" AS "grantId", "uid", "user_code" AS "userCode", "key_id" AS "keyId", "iv", "sealed", "expires_at" AS "expiresAt", "consumed_at" AS "consumedAt"`;
const UNEXPIRED = `("expires_at" IS NULL OR "expires_at" > $3)`;

/**
 * The SQL of oidc-provider's storage (OidcStorageService). Raw statements: every request of the
 * Connect endpoints runs a few, and each is one round trip served by the primary key or an index.
 */
@Injectable()
export class OidcModelRepository {
  constructor(@InjectRepository(OidcModel) private readonly rows: Repository<OidcModel>) {}

  /**
   * Inserts or replaces the row. A row consumed by any instance stays consumed: a later upsert of
   * the same model (oidc-provider saving a copy it read before the consume) cannot clear it.
   */
  async upsert(row: OidcModel): Promise<void> {
    await this.rows.query(
      `INSERT INTO "oidc_models" ("model", "id", "payload", "grant_id", "uid", "user_code", "key_id", "iv", "sealed", "expires_at", "consumed_at")
       VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT ("model", "id") DO UPDATE SET "payload" = EXCLUDED."payload", "grant_id" = EXCLUDED."grant_id", "uid" = EXCLUDED."uid",
         "user_code" = EXCLUDED."user_code", "key_id" = EXCLUDED."key_id", "iv" = EXCLUDED."iv", "sealed" = EXCLUDED."sealed",
         "expires_at" = EXCLUDED."expires_at", "consumed_at" = COALESCE("oidc_models"."consumed_at", EXCLUDED."consumed_at")`,
      [
        row.model,
        row.id,
        JSON.stringify(row.payload),
        row.grantId,
        row.uid,
        row.userCode,
        row.keyId,
        row.iv,
        row.sealed,
        row.expiresAt?.toISOString() ?? null,
        row.consumedAt?.toISOString() ?? null,
      ],
    );
  }

  /**
   * Inserts the row unless a live one (unexpired) has its key; an expired one is replaced.
   * Answers whether it was stored: of instances inserting at once, one is.
   */
  async insertUnlessLive(row: OidcModel, now: Date): Promise<boolean> {
    const stored = (await this.rows.query(
      `INSERT INTO "oidc_models" ("model", "id", "payload", "expires_at") VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT ("model", "id") DO UPDATE SET "payload" = EXCLUDED."payload", "expires_at" = EXCLUDED."expires_at", "consumed_at" = NULL
       WHERE "oidc_models"."expires_at" IS NOT NULL AND "oidc_models"."expires_at" <= $5 RETURNING 1 AS "stored"`,
      [row.model, row.id, JSON.stringify(row.payload), row.expiresAt?.toISOString() ?? null, now.toISOString()],
    )) as unknown[];
    return stored.length > 0;
  }

  async find(model: string, id: Buffer, now: Date): Promise<OidcModel | undefined> {
    return this.one(`SELECT ${COLUMNS} FROM "oidc_models" WHERE "model" = $1 AND "id" = $2 AND ${UNEXPIRED}`, [model, id, now.toISOString()]);
  }

  async findByUid(model: string, uid: string, now: Date): Promise<OidcModel | undefined> {
    return this.one(`SELECT ${COLUMNS} FROM "oidc_models" WHERE "model" = $1 AND "uid" = $2 AND ${UNEXPIRED} LIMIT 1`, [model, uid, now.toISOString()]);
  }

  async findByUserCode(model: string, userCode: Buffer, now: Date): Promise<OidcModel | undefined> {
    return this.one(`SELECT ${COLUMNS} FROM "oidc_models" WHERE "model" = $1 AND "user_code" = $2 AND ${UNEXPIRED} LIMIT 1`, [model, userCode, now.toISOString()]);
  }

  /**
   * Marks the row consumed if no one did before (one UPDATE … WHERE consumed_at IS NULL: of
   * instances consuming at once exactly one changes the row). Answers whether this call did, and
   * the row's grant id when it did not (null if the row is gone).
   */
  async consume(model: string, id: Buffer, now: Date): Promise<{ won: true } | { won: false; grantId: string | null }> {
    const won = (await this.rows.query(
      `UPDATE "oidc_models" SET "consumed_at" = $3 WHERE "model" = $1 AND "id" = $2 AND "consumed_at" IS NULL AND ("expires_at" IS NULL OR "expires_at" > $3) RETURNING 1 AS "won"`,
      [model, id, now.toISOString()],
    )) as [unknown[], number] | unknown[];
    if (rowsOf(won).length > 0) return { won: true };
    const rows = (await this.rows.query(`SELECT "grant_id" AS "grantId" FROM "oidc_models" WHERE "model" = $1 AND "id" = $2`, [model, id])) as { grantId: string | null }[];
    return { won: false, grantId: rows[0]?.grantId ?? null };
  }

  async destroy(model: string, id: Buffer): Promise<void> {
    await this.rows.query(`DELETE FROM "oidc_models" WHERE "model" = $1 AND "id" = $2`, [model, id]);
  }

  /**
   * Deletes every row of the grant, whatever its model; answers how many went. One plain DELETE
   * (a grant has a handful of rows), never SKIP LOCKED: a revocation must not pass over a row
   * another transaction holds.
   */
  async deleteGrant(grantId: string): Promise<number> {
    const result = (await this.rows.query(`DELETE FROM "oidc_models" WHERE "grant_id" = $1`, [grantId])) as [unknown[], number] | unknown[];
    return typeof result[1] === 'number' ? result[1] : 0;
  }

  /** Deletes the rows past their expiry, in batches; answers how many went. */
  pruneExpiredBefore(now: Date): Promise<number> {
    return deleteInBatches(this.rows, 'oidc_models', `"expires_at" < $1`, [now.toISOString()]);
  }

  /** Rows sealed under each operator key id (`keys list`, `keys remove`). */
  async rowsPerKey(now: Date): Promise<Map<string, number>> {
    const rows = (await this.rows.query(
      `SELECT "key_id" AS "keyId", count(*)::int AS "n" FROM "oidc_models" WHERE "key_id" IS NOT NULL AND ("expires_at" IS NULL OR "expires_at" > $1) GROUP BY "key_id"`,
      [now.toISOString()],
    )) as { keyId: string; n: number }[];
    return new Map(rows.map((r) => [r.keyId, r.n]));
  }

  private async one(sql: string, parameters: unknown[]): Promise<OidcModel | undefined> {
    const rows = (await this.rows.query(sql, parameters)) as OidcModel[];
    const row = rows[0];
    if (row === undefined) return undefined;
    return { ...row, expiresAt: toDate(row.expiresAt), consumedAt: toDate(row.consumedAt) };
  }
}

/** TypeORM's postgres driver answers an UPDATE … RETURNING as [rows, count]. */
function rowsOf(result: [unknown[], number] | unknown[]): unknown[] {
  return Array.isArray(result[0]) ? (result[0] as unknown[]) : (result as unknown[]);
}

function toDate(value: Date | string | null): Date | null {
  return value === null ? null : new Date(value);
}
