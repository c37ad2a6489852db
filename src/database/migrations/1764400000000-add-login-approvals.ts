import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-in approval from the chat app (XEP-0070): one row per confirm request the OpenID bot sent,
 * in the database so that any instance can serve the waiting page while the instance whose bot
 * received the answer updates the row. The browser that asked is bound by the SHA-256 of a random
 * cookie token; the transaction code is short-lived and single use (state moves forward only).
 * `sessions.auth_method` records how a session's user proved the account (PAPE reporting).
 */
export class AddLoginApprovals1764400000000 implements MigrationInterface {
  name = 'AddLoginApprovals1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "login_approvals" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "domain" varchar(253) NOT NULL,
        "username" varchar(1023) NOT NULL,
        "jid" varchar(1300) NOT NULL,
        "code" char(8) NOT NULL,
        "thread" varchar(64) NOT NULL,
        "browser_hash" bytea NOT NULL,
        "request_id" varchar(64),
        "realm" varchar(2048),
        "remember" boolean NOT NULL DEFAULT false,
        "state" varchar(16) NOT NULL DEFAULT 'pending',
        "answered_via" varchar(16),
        "ip" varchar(45),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        CONSTRAINT "login_approvals_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "login_approvals_state_value" CHECK ("state" IN ('pending', 'accepted', 'denied', 'completed', 'cancelled'))
      )`);
    await q.query(`CREATE INDEX "login_approvals_jid_idx" ON "login_approvals" ("domain", "jid")`);
    await q.query(`CREATE INDEX "login_approvals_ip_idx" ON "login_approvals" ("ip", "created_at")`);
    await q.query(`CREATE INDEX "login_approvals_expires_at_idx" ON "login_approvals" ("expires_at")`);
    await q.query(`ALTER TABLE "sessions" ADD COLUMN "auth_method" varchar(16) NOT NULL DEFAULT 'password'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "sessions" DROP COLUMN "auth_method"`);
    await q.query(`DROP TABLE "login_approvals"`);
  }
}
