import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { deleteInBatches } from '../../database/query-shapes.js';

/** A passkey as stored (migration 1764480000000): the second_factors row of kind webauthn. */
export interface PasskeyRow {
  id: string;
  userId: string;
  label: string;
  credentialId: Buffer;
  publicKey: Buffer;
  signCount: number;
  transports: string[];
  backupEligible: boolean;
  backupState: boolean;
  createdAt: Date;
  usedAt: Date | null;
}

/** What registration stores. */
export interface NewPasskey {
  userId: string;
  label: string;
  credentialId: Buffer;
  publicKey: Buffer;
  signCount: number;
  transports: readonly string[];
  aaguid: string | null;
  backupEligible: boolean;
  backupState: boolean;
}

export type ChallengePurpose = 'register' | 'second_factor' | 'sign_in';

/** What a challenge is bound to: the session it was asked in, or (passkey-only sign-in) the browser. */
export type ChallengeBinding = { sessionId: string } | { browserHash: Buffer };

/** The listed columns of a passkey row, of table alias `t`. */
function columns(t: string): string {
  return `${t}."id", ${t}."user_id" AS "userId", ${t}."label", ${t}."credential_id" AS "credentialId", ${t}."public_key" AS "publicKey", ${t}."sign_count" AS "signCount",
    coalesce(${t}."transports", '{}') AS "transports", ${t}."backup_eligible" AS "backupEligible", ${t}."backup_state" AS "backupState", ${t}."created_at" AS "createdAt", ${t}."used_at" AS "usedAt"`;
}

type RawPasskey = Omit<PasskeyRow, 'signCount'> & { signCount: string | number };

function passkey(row: RawPasskey): PasskeyRow {
  return { ...row, signCount: Number(row.signCount), createdAt: new Date(row.createdAt), usedAt: row.usedAt === null ? null : new Date(row.usedAt) };
}

/** TypeORM's postgres driver answers an UPDATE or DELETE … RETURNING as [rows, count]. */
function rowsOf<T>(result: [T[], number] | T[]): T[] {
  return (Array.isArray(result[0]) ? result[0] : result) as T[];
}

/**
 * SQL of passkeys: their rows in second_factors, the accounts' WebAuthn user handles, and the
 * challenges handed out. Whatever must happen once happens in one statement, whichever instance
 * asks: a challenge is taken by one DELETE … RETURNING, a signature counter moves forward by one
 * UPDATE … WHERE sign_count < new.
 */
@Injectable()
export class PasskeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The account's user handle: the one it has, or `candidate` stored now (two instances racing keep the first). */
  async userHandle(userId: string, candidate: Buffer): Promise<Buffer> {
    await this.dataSource.query(`INSERT INTO "webauthn_user_handles" ("user_id", "user_handle") VALUES ($1, $2) ON CONFLICT ("user_id") DO NOTHING`, [userId, candidate]);
    const rows = (await this.dataSource.query(`SELECT "user_handle" AS "handle" FROM "webauthn_user_handles" WHERE "user_id" = $1`, [userId])) as { handle: Buffer }[];
    return rows[0]!.handle;
  }

  async existingUserHandle(userId: string): Promise<Buffer | undefined> {
    const rows = (await this.dataSource.query(`SELECT "user_handle" AS "handle" FROM "webauthn_user_handles" WHERE "user_id" = $1`, [userId])) as { handle: Buffer }[];
    return rows[0]?.handle;
  }

  async listOf(userId: string): Promise<PasskeyRow[]> {
    const rows = (await this.dataSource.query(`SELECT ${columns('f')} FROM "second_factors" f WHERE "user_id" = $1 AND "kind" = 'webauthn' ORDER BY "created_at", "id"`, [userId])) as RawPasskey[];
    return rows.map(passkey);
  }

  async hasAny(userId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(`SELECT 1 FROM "second_factors" WHERE "user_id" = $1 AND "kind" = 'webauthn' LIMIT 1`, [userId])) as unknown[];
    return rows.length > 0;
  }

  /** The passkey of this credential id (and its account's user handle), whoever owns it. */
  async findByCredentialId(credentialId: Buffer): Promise<(PasskeyRow & { userHandle: Buffer | null }) | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT ${columns('f')}, h."user_handle" AS "userHandle"
       FROM "second_factors" f LEFT JOIN "webauthn_user_handles" h ON h."user_id" = f."user_id"
       WHERE f."credential_id" = $1 AND f."kind" = 'webauthn'`,
      [credentialId],
    )) as (RawPasskey & { userHandle: Buffer | null })[];
    return rows[0] === undefined ? undefined : { ...passkey(rows[0]), userHandle: rows[0].userHandle };
  }

  /** Stores a registered passkey; false when its credential id is registered already (the unique constraint decides, §7.1 step 26). */
  async insert(p: NewPasskey, now: Date): Promise<string | undefined> {
    const rows = (await this.dataSource.query(
      `INSERT INTO "second_factors" ("user_id", "kind", "label", "credential_id", "public_key", "sign_count", "transports", "aaguid", "backup_eligible", "backup_state", "confirmed_at", "created_at")
       VALUES ($1, 'webauthn', $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
       ON CONFLICT ("credential_id") DO NOTHING RETURNING "id"`,
      [p.userId, p.label, p.credentialId, p.publicKey, p.signCount, [...p.transports], p.aaguid, p.backupEligible, p.backupState, now],
    )) as { id: string }[];
    return rows[0]?.id;
  }

  /**
   * A use of the passkey (WebAuthn L3 §7.2 steps 19 and 22): its counter moves to `signCount` only
   * if that is ahead of the stored one (or both are zero), its backup state and last use are
   * recorded. False: another use got there first with a count at least as high (a replay, a clone).
   */
  async recordUse(id: string, signCount: number, backupState: boolean, now: Date): Promise<boolean> {
    const rows = rowsOf(
      (await this.dataSource.query(
        `UPDATE "second_factors" SET "sign_count" = $2, "backup_state" = $3, "used_at" = $4
         WHERE "id" = $1 AND "kind" = 'webauthn' AND ("sign_count" < $2 OR ("sign_count" = 0 AND $2 = 0)) RETURNING "id"`,
        [id, signCount, backupState, now],
      )) as [unknown[], number] | unknown[],
    );
    return rows.length > 0;
  }

  /** Removes one passkey of the account; the recovery codes go with the last second factor. */
  async remove(userId: string, id: string): Promise<{ removed: boolean; remaining: number }> {
    return this.dataSource.transaction(async (manager) => {
      const deleted = rowsOf((await manager.query(`DELETE FROM "second_factors" WHERE "id" = $1 AND "user_id" = $2 AND "kind" = 'webauthn' RETURNING "id"`, [id, userId])) as [unknown[], number] | unknown[]);
      const left = (await manager.query(
        `SELECT count(*)::int AS "n" FROM "second_factors" WHERE "user_id" = $1 AND ("kind" = 'webauthn' OR ("kind" = 'totp' AND "confirmed_at" IS NOT NULL))`,
        [userId],
      )) as { n: number }[];
      const remaining = left[0]?.n ?? 0;
      if (remaining === 0) await manager.query(`DELETE FROM "second_factors" WHERE "user_id" = $1 AND "kind" = 'recovery'`, [userId]);
      return { removed: deleted.length > 0, remaining };
    });
  }

  /**
   * A new challenge. A browser asking again replaces what it asked before (one outstanding
   * challenge per session or browser and purpose); an address holding `maxPerAddress`
   * unexpired sign-in challenges gets no more (false), so that nobody fills the table.
   */
  async saveChallenge(challenge: string, purpose: ChallengePurpose, domain: string, binding: ChallengeBinding, address: string | null, expiresAt: Date, now: Date, maxPerAddress: number): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      if ('sessionId' in binding) await manager.query(`DELETE FROM "webauthn_challenges" WHERE "session_id" = $1 AND "purpose" = $2`, [binding.sessionId, purpose]);
      else await manager.query(`DELETE FROM "webauthn_challenges" WHERE "browser_hash" = $1 AND "purpose" = $2`, [binding.browserHash, purpose]);
      if (address !== null) {
        const held = (await manager.query(`SELECT count(*)::int AS "n" FROM "webauthn_challenges" WHERE "address" = $1 AND "expires_at" > $2`, [address, now])) as { n: number }[];
        if ((held[0]?.n ?? 0) >= maxPerAddress) return false;
      }
      await manager.query(`INSERT INTO "webauthn_challenges" ("challenge", "purpose", "domain", "session_id", "browser_hash", "address", "expires_at", "created_at") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
        challenge,
        purpose,
        domain,
        'sessionId' in binding ? binding.sessionId : null,
        'browserHash' in binding ? binding.browserHash : null,
        address,
        expiresAt,
        now,
      ]);
      return true;
    });
  }

  /**
   * Takes a challenge (WebAuthn L3 §13.4.3: each used once): the one statement that deletes it
   * gets its expiry; a second answer with it, on any instance, finds nothing. Only a challenge of
   * this purpose, domain and binding is taken (someone else's is left alone, and refused).
   */
  async takeChallenge(challenge: string, purpose: ChallengePurpose, domain: string, binding: ChallengeBinding): Promise<{ expiresAt: Date } | undefined> {
    const bound = 'sessionId' in binding ? `"session_id" = $4` : `"browser_hash" = $4`;
    const rows = rowsOf(
      (await this.dataSource.query(`DELETE FROM "webauthn_challenges" WHERE "challenge" = $1 AND "purpose" = $2 AND "domain" = $3 AND ${bound} RETURNING "expires_at" AS "expiresAt"`, [
        challenge,
        purpose,
        domain,
        'sessionId' in binding ? binding.sessionId : binding.browserHash,
      ])) as [{ expiresAt: Date }[], number] | { expiresAt: Date }[],
    );
    return rows[0] === undefined ? undefined : { expiresAt: new Date(rows[0].expiresAt) };
  }

  pruneChallenges(before: Date): Promise<number> {
    return deleteInBatches(this.dataSource, 'webauthn_challenges', `"expires_at" < $1`, [before]);
  }
}
