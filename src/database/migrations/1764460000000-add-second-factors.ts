import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Second factors (issue 13): `second_factors` holds one row per factor, told apart by `kind` so
 * that a later kind (webauthn: its credential id and public key) is new columns and a wider
 * check, not a new design:
 * - `totp`: an authenticator app (RFC 6238). Its secret cannot be hashed (the provider computes
 *   codes from it), so it is sealed with AES-256-GCM under the operator key like MAC keys
 *   (key_id, iv, sealed_secret; src/secrets/key-ring.ts). `last_step` is the RFC 6238 time step of
 *   the last accepted code: a code is accepted by one atomic UPDATE … WHERE last_step < step, so
 *   it is single-use across all instances (RFC 6238 §5.2). `confirmed_at` is NULL until the
 *   person has typed a first code (enrolment not finished: not a factor yet).
 * - `recovery`: one one-time recovery code per row, only its SHA-256 (`code_hash`; 80 random
 *   bits, too many to search), `used_at` set by the one UPDATE that spends it.
 * `sessions.amr` says how each session's sign-in was made (RFC 8176 values: pwd, xmpp, otp, mfa;
 * hwk, phr later), what PAPE auth_policies and OpenID Connect amr/acr report; every existing
 * session keeps what auth_method said. `sessions.factor_pending`: a sign-in whose password (or
 * chat approval) was right but whose second factor is still due; it signs nobody in.
 * `login_devices.factor_remembered_until`: "Remember this device" on the code page, until then
 * that browser's sign-ins to the account skip the code (and report one factor).
 */
export class AddSecondFactors1764460000000 implements MigrationInterface {
  name = 'AddSecondFactors1764460000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "second_factors" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "kind" varchar(16) NOT NULL,
        "label" varchar(64) NOT NULL,
        "key_id" varchar(32) NULL,
        "iv" bytea NULL,
        "sealed_secret" bytea NULL,
        "last_step" bigint NULL,
        "code_hash" bytea NULL,
        "confirmed_at" timestamptz NULL,
        "used_at" timestamptz NULL,
        "created_at" timestamptz NOT NULL,
        CONSTRAINT "second_factors_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "second_factors_user_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE,
        CONSTRAINT "second_factors_kind_value" CHECK ("kind" IN ('totp', 'recovery')),
        CONSTRAINT "second_factors_totp_sealed" CHECK (("kind" = 'totp') = ("sealed_secret" IS NOT NULL AND "key_id" IS NOT NULL AND octet_length("iv") = 12)),
        CONSTRAINT "second_factors_recovery_hash" CHECK (("kind" = 'recovery') = ("code_hash" IS NOT NULL AND octet_length("code_hash") = 32))
      )`);
    await q.query(`CREATE INDEX "second_factors_user_kind_idx" ON "second_factors" ("user_id", "kind")`);
    await q.query(`CREATE INDEX "second_factors_key_id_idx" ON "second_factors" ("key_id")`);
    await q.query(`ALTER TABLE "sessions" ADD "amr" text[] NOT NULL DEFAULT '{pwd}'`);
    await q.query(`UPDATE "sessions" SET "amr" = '{xmpp}' WHERE "auth_method" = 'xmpp'`);
    await q.query(`ALTER TABLE "sessions" ALTER COLUMN "amr" DROP DEFAULT`);
    await q.query(`ALTER TABLE "sessions" ADD "factor_pending" boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE "login_devices" ADD "factor_remembered_until" timestamptz NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "login_devices" DROP COLUMN "factor_remembered_until"`);
    await q.query(`DELETE FROM "sessions" WHERE "factor_pending"`);
    await q.query(`ALTER TABLE "sessions" DROP COLUMN "factor_pending"`);
    await q.query(`ALTER TABLE "sessions" DROP COLUMN "amr"`);
    await q.query(`DROP TABLE "second_factors"`);
  }
}
