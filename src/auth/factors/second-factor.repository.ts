import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { deleteInBatches } from '../../database/query-shapes.js';
import type { Sealed } from '../../secrets/key-ring.js';

/** A second factor as listed (no secret, no hash). */
export interface FactorRow {
  id: string;
  kind: 'totp' | 'recovery' | 'webauthn';
  label: string;
  confirmedAt: Date | null;
  usedAt: Date | null;
  createdAt: Date;
}

/** A TOTP factor with its sealed secret (opened by SecondFactorService only). */
export interface TotpRow extends FactorRow {
  sealed: Sealed;
}

const LISTED = `"id", "kind", "label", "confirmed_at" AS "confirmedAt", "used_at" AS "usedAt", "created_at" AS "createdAt"`;
const TOTP = `${LISTED}, "key_id" AS "keyId", "iv", "sealed_secret" AS "sealedSecret"`;

type RawTotp = FactorRow & { keyId: string; iv: Buffer; sealedSecret: Buffer };

function totp(row: RawTotp): TotpRow {
  const { keyId, iv, sealedSecret, ...rest } = row;
  return { ...dated(rest), sealed: { keyId, iv, sealed: sealedSecret } };
}

/**
 * SQL of the second_factors table (migration 1764460000000). Single use is decided here, in one
 * statement each: a TOTP time step is taken only if it is later than the last one taken, a
 * recovery code only if it was not spent, whichever instance asks.
 */
@Injectable()
export class SecondFactorRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every factor of the account, oldest first (recovery codes one row each). */
  async listOf(userId: string): Promise<FactorRow[]> {
    return ((await this.dataSource.query(`SELECT ${LISTED} FROM "second_factors" WHERE "user_id" = $1 ORDER BY "created_at", "id"`, [userId])) as FactorRow[]).map(dated);
  }

  /** Whether the account has a factor that a sign-in must ask for (a confirmed authenticator app, or a passkey). */
  async hasConfirmed(userId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(`SELECT 1 FROM "second_factors" WHERE "user_id" = $1 AND "kind" IN ('totp', 'webauthn') AND "confirmed_at" IS NOT NULL LIMIT 1`, [userId])) as unknown[];
    return rows.length > 0;
  }

  async insertTotp(id: string, userId: string, label: string, sealed: Sealed, now: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO "second_factors" ("id", "user_id", "kind", "label", "key_id", "iv", "sealed_secret", "created_at") VALUES ($1, $2, 'totp', $3, $4, $5, $6, $7)`,
      [id, userId, label, sealed.keyId, sealed.iv, sealed.sealed, now],
    );
  }

  async findTotp(userId: string, id: string): Promise<TotpRow | undefined> {
    const rows = (await this.dataSource.query(`SELECT ${TOTP} FROM "second_factors" WHERE "id" = $1 AND "user_id" = $2 AND "kind" = 'totp'`, [id, userId])) as RawTotp[];
    return rows[0] === undefined ? undefined : totp(rows[0]);
  }

  async confirmedTotps(userId: string): Promise<TotpRow[]> {
    const rows = (await this.dataSource.query(`SELECT ${TOTP} FROM "second_factors" WHERE "user_id" = $1 AND "kind" = 'totp' AND "confirmed_at" IS NOT NULL ORDER BY "created_at"`, [
      userId,
    ])) as RawTotp[];
    return rows.map(totp);
  }

  /**
   * Takes RFC 6238 time step `step` of this factor (RFC 6238 §5.2: "the verifier MUST NOT accept
   * the second attempt of the OTP after the successful validation has been issued for the first
   * OTP"): true for the one statement, on any instance, that moved last_step forward. `confirm`:
   * the enrolment's first code, which also makes the factor count.
   */
  async takeStep(userId: string, id: string, step: number, now: Date, confirm: boolean): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `UPDATE "second_factors" SET "last_step" = $3, "used_at" = $4${confirm ? `, "confirmed_at" = $4` : ''}
       WHERE "id" = $1 AND "user_id" = $2 AND "kind" = 'totp' AND ("confirmed_at" IS ${confirm ? '' : 'NOT '}NULL) AND ("last_step" IS NULL OR "last_step" < $3)
       RETURNING "id"`,
      [id, userId, step, now],
    )) as [unknown[], number] | unknown[];
    return returned(rows);
  }

  /** A new set of recovery codes (their SHA-256) replaces the account's old one, in one transaction. */
  async replaceRecoveryCodes(userId: string, hashes: readonly Buffer[], label: string, now: Date): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM "second_factors" WHERE "user_id" = $1 AND "kind" = 'recovery'`, [userId]);
      for (const hash of hashes) {
        await manager.query(`INSERT INTO "second_factors" ("user_id", "kind", "label", "code_hash", "confirmed_at", "created_at") VALUES ($1, 'recovery', $2, $3, $4, $4)`, [
          userId,
          label,
          hash,
          now,
        ]);
      }
    });
  }

  /** Spends a recovery code: true for the one statement that found it unspent. */
  async spendRecoveryCode(userId: string, hash: Buffer, now: Date): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `UPDATE "second_factors" SET "used_at" = $3 WHERE "user_id" = $1 AND "kind" = 'recovery' AND "code_hash" = $2 AND "used_at" IS NULL RETURNING "id"`,
      [userId, hash, now],
    )) as [unknown[], number] | unknown[];
    return returned(rows);
  }

  /** Removes one authenticator app of the account; the recovery codes go with the last second factor (app or passkey). Answers whether it did. */
  async removeTotp(userId: string, id: string): Promise<{ removed: boolean; remaining: number }> {
    return this.dataSource.transaction(async (manager) => {
      const deleted = (await manager.query(`DELETE FROM "second_factors" WHERE "id" = $1 AND "user_id" = $2 AND "kind" = 'totp' RETURNING "id"`, [id, userId])) as [unknown[], number] | unknown[];
      const left = (await manager.query(`SELECT count(*)::int AS "n" FROM "second_factors" WHERE "user_id" = $1 AND "kind" IN ('totp', 'webauthn') AND "confirmed_at" IS NOT NULL`, [
        userId,
      ])) as { n: number }[];
      const remaining = left[0]?.n ?? 0;
      if (remaining === 0) await manager.query(`DELETE FROM "second_factors" WHERE "user_id" = $1 AND "kind" = 'recovery'`, [userId]);
      return { removed: returned(deleted), remaining };
    });
  }

  /**
   * A factor added or removed: the devices remembered past the second factor (login_devices, "Remember
   * this device") ask for it again at their next sign-in.
   */
  async forgetRememberedDevices(userId: string): Promise<void> {
    await this.dataSource.query(`UPDATE "login_devices" SET "factor_remembered_until" = NULL WHERE "user_id" = $1 AND "factor_remembered_until" IS NOT NULL`, [userId]);
  }

  /** Enrolments never confirmed (the person left the page): deleted after a day. */
  pruneUnconfirmed(before: Date): Promise<number> {
    return deleteInBatches(this.dataSource, 'second_factors', `"kind" = 'totp' AND "confirmed_at" IS NULL AND "created_at" < $1`, [before]);
  }

  /** The sealed secrets not under `activeKeyId` (`keys rotate` re-seals them). */
  async sealedNotUnder(activeKeyId: string): Promise<{ id: string; userId: string; sealed: Sealed }[]> {
    const rows = (await this.dataSource.query(`SELECT "id", "user_id" AS "userId", "key_id" AS "keyId", "iv", "sealed_secret" AS "sealedSecret" FROM "second_factors" WHERE "key_id" IS NOT NULL AND "key_id" <> $1`, [
      activeKeyId,
    ])) as { id: string; userId: string; keyId: string; iv: Buffer; sealedSecret: Buffer }[];
    return rows.map((r) => ({ id: r.id, userId: r.userId, sealed: { keyId: r.keyId, iv: r.iv, sealed: r.sealedSecret } }));
  }

  /** Replaces a sealed secret, if it is still the one sealed under `oldKeyId` (a concurrent rotation does the same once). */
  async reseal(id: string, oldKeyId: string, sealed: Sealed): Promise<boolean> {
    const rows = (await this.dataSource.query(`UPDATE "second_factors" SET "key_id" = $3, "iv" = $4, "sealed_secret" = $5 WHERE "id" = $1 AND "key_id" = $2 RETURNING "id"`, [
      id,
      oldKeyId,
      sealed.keyId,
      sealed.iv,
      sealed.sealed,
    ])) as [unknown[], number] | unknown[];
    return returned(rows);
  }

  /** How many sealed secrets each operator key protects (`keys list`, `keys remove`). */
  async rowsPerKey(): Promise<Map<string, number>> {
    const rows = (await this.dataSource.query(`SELECT "key_id" AS "keyId", count(*)::int AS "n" FROM "second_factors" WHERE "key_id" IS NOT NULL GROUP BY "key_id"`)) as { keyId: string; n: number }[];
    return new Map(rows.map((r) => [r.keyId, r.n]));
  }
}

/** TypeORM's postgres driver answers an UPDATE or DELETE … RETURNING as [rows, count]. */
function returned(result: [unknown[], number] | unknown[]): boolean {
  return (Array.isArray(result[0]) ? (result[0] as unknown[]) : result).length > 0;
}

function dated<T extends FactorRow>(row: T): T {
  return { ...row, createdAt: new Date(row.createdAt), confirmedAt: row.confirmedAt === null ? null : new Date(row.confirmedAt), usedAt: row.usedAt === null ? null : new Date(row.usedAt) };
}
