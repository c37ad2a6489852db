import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Passkeys (issue 13, WebAuthn Level 3): one more kind of second factor, `webauthn`, in
 * `second_factors` (as its migration 1764460000000 planned: new columns and a wider check):
 * - `credential_id`: the credential's id (WebAuthn L3 §5.1 rawId, at most 1023 bytes, §7.1 step
 *   25), unique across all accounts (§7.1 step 26: a credential registered twice is refused);
 * - `public_key`: its COSE public key (RFC 9052 §7; public, so not sealed);
 * - `sign_count`: the last signature counter seen (§6.1.1, checked at each use, §7.2 step 22);
 * - `transports`, `aaguid`, `backup_eligible`, `backup_state` (§6.1 flags BE/BS, §6.1.3): what the
 *   authenticator said at registration, BS updated at each use (§7.2 step 19).
 * `webauthn_user_handles`: each account's WebAuthn user handle (§5.4.3 user.id), 64 random bytes
 * (§14.6.1: "It is RECOMMENDED to let the user handle be 64 random bytes"), made once, never the
 * username (§14.6.1: it must not carry personally identifying information).
 * `webauthn_challenges`: the challenges handed out (§13.4.3: random, at least 16 bytes, used once),
 * here so that any instance can verify the answer; each is bound to the session it was asked in
 * (enrolment, second factor, step-up) or, for passkey-only sign-in, to the browser's CSRF token
 * (`browser_hash`, its SHA-256), and taken by one DELETE … RETURNING (single use).
 */
export class AddPasskeys1764480000000 implements MigrationInterface {
  name = 'AddPasskeys1764480000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "second_factors" DROP CONSTRAINT "second_factors_kind_value"`);
    await q.query(`ALTER TABLE "second_factors" ADD CONSTRAINT "second_factors_kind_value" CHECK ("kind" IN ('totp', 'recovery', 'webauthn'))`);
    await q.query(`ALTER TABLE "second_factors" ADD "credential_id" bytea NULL`);
    await q.query(`ALTER TABLE "second_factors" ADD "public_key" bytea NULL`);
    await q.query(`ALTER TABLE "second_factors" ADD "sign_count" bigint NULL`);
    await q.query(`ALTER TABLE "second_factors" ADD "transports" text[] NULL`);
    await q.query(`ALTER TABLE "second_factors" ADD "aaguid" uuid NULL`);
    await q.query(`ALTER TABLE "second_factors" ADD "backup_eligible" boolean NULL`);
    await q.query(`ALTER TABLE "second_factors" ADD "backup_state" boolean NULL`);
    await q.query(`ALTER TABLE "second_factors" ADD CONSTRAINT "second_factors_credential_id_key" UNIQUE ("credential_id")`);
    await q.query(
      `ALTER TABLE "second_factors" ADD CONSTRAINT "second_factors_webauthn_credential" CHECK (("kind" = 'webauthn') = ("credential_id" IS NOT NULL AND octet_length("credential_id") BETWEEN 1 AND 1023 AND "public_key" IS NOT NULL AND "sign_count" IS NOT NULL AND "sign_count" >= 0 AND "backup_eligible" IS NOT NULL AND "backup_state" IS NOT NULL))`,
    );
    await q.query(`
      CREATE TABLE "webauthn_user_handles" (
        "user_id" uuid NOT NULL,
        "user_handle" bytea NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "webauthn_user_handles_pkey" PRIMARY KEY ("user_id"),
        CONSTRAINT "webauthn_user_handles_user_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE,
        CONSTRAINT "webauthn_user_handles_handle_key" UNIQUE ("user_handle"),
        CONSTRAINT "webauthn_user_handles_handle_length" CHECK (octet_length("user_handle") BETWEEN 1 AND 64)
      )`);
    await q.query(`
      CREATE TABLE "webauthn_challenges" (
        "challenge" varchar(128) NOT NULL,
        "purpose" varchar(16) NOT NULL,
        "domain" varchar(253) NOT NULL,
        "session_id" uuid NULL,
        "browser_hash" bytea NULL,
        "address" varchar(64) NULL,
        "expires_at" timestamptz NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "webauthn_challenges_pkey" PRIMARY KEY ("challenge"),
        CONSTRAINT "webauthn_challenges_session_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions" ("id") ON DELETE CASCADE,
        CONSTRAINT "webauthn_challenges_purpose_value" CHECK ("purpose" IN ('register', 'second_factor', 'sign_in')),
        CONSTRAINT "webauthn_challenges_bound" CHECK (("session_id" IS NOT NULL OR "browser_hash" IS NOT NULL) AND (("purpose" = 'sign_in') = ("session_id" IS NULL AND "browser_hash" IS NOT NULL AND octet_length("browser_hash") = 32)))
      )`);
    await q.query(`CREATE INDEX "webauthn_challenges_expires_at_idx" ON "webauthn_challenges" ("expires_at")`);
    await q.query(`CREATE INDEX "webauthn_challenges_address_idx" ON "webauthn_challenges" ("address")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "webauthn_challenges"`);
    await q.query(`DROP TABLE "webauthn_user_handles"`);
    await q.query(`DELETE FROM "second_factors" WHERE "kind" = 'webauthn'`);
    await q.query(`ALTER TABLE "second_factors" DROP CONSTRAINT "second_factors_webauthn_credential"`);
    await q.query(`ALTER TABLE "second_factors" DROP CONSTRAINT "second_factors_credential_id_key"`);
    for (const column of ['backup_state', 'backup_eligible', 'aaguid', 'transports', 'sign_count', 'public_key', 'credential_id']) {
      await q.query(`ALTER TABLE "second_factors" DROP COLUMN "${column}"`);
    }
    await q.query(`ALTER TABLE "second_factors" DROP CONSTRAINT "second_factors_kind_value"`);
    await q.query(`ALTER TABLE "second_factors" ADD CONSTRAINT "second_factors_kind_value" CHECK ("kind" IN ('totp', 'recovery'))`);
  }
}
