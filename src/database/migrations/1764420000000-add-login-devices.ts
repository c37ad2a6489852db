import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Login throttling done atomically, and device cookies (OWASP "Slow Down Online Guessing Attacks
 * with Device Cookies"; ASVS 2.2.1). `login_throttle.refused` says whether the last reservation
 * on a key found it locked: the one statement that counts an attempt also answers its verdict.
 * `login_devices` holds the SHA-256 of each device cookie handed out at a successful sign-in,
 * bound to its account, so that a locked account still lets in the browsers it signed in from.
 */
export class AddLoginDevices1764420000000 implements MigrationInterface {
  name = 'AddLoginDevices1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "login_throttle" ADD "refused" boolean NOT NULL DEFAULT false`);
    await q.query(`
      CREATE TABLE "login_devices" (
        "token_hash" bytea NOT NULL,
        "user_id" uuid NOT NULL,
        "created_at" timestamptz NOT NULL,
        "expires_at" timestamptz NOT NULL,
        CONSTRAINT "login_devices_pkey" PRIMARY KEY ("token_hash"),
        CONSTRAINT "login_devices_user_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "login_devices_user_id_idx" ON "login_devices" ("user_id", "created_at")`);
    await q.query(`CREATE INDEX "login_devices_expires_at_idx" ON "login_devices" ("expires_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "login_devices"`);
    await q.query(`ALTER TABLE "login_throttle" DROP COLUMN "refused"`);
  }
}
