import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts of `accounts: xmpp` domains: the XMPP server checks their passwords, so their row has
 * no password hash (a row is created at the first XMPP sign-in, for grants, sessions and history).
 * The profile read from the account's vCard (XEP-0054 / XEP-0292) at each sign-in is kept beside
 * the user's own values, which win; `xmpp_notices` is whether the OpenID bot announces sign-ins
 * to sites not seen before.
 */
export class AddXmppAccounts1764390000000 implements MigrationInterface {
  name = 'AddXmppAccounts1764390000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "users" ALTER COLUMN "password_hash" DROP NOT NULL`);
    await q.query(`ALTER TABLE "users" ADD COLUMN "vcard" jsonb`);
    await q.query(`ALTER TABLE "users" ADD COLUMN "vcard_fetched_at" timestamptz`);
    await q.query(`ALTER TABLE "users" ADD COLUMN "xmpp_notices" boolean NOT NULL DEFAULT true`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "users" DROP COLUMN "xmpp_notices"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "vcard_fetched_at"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "vcard"`);
    // Rows without a hash (XMPP accounts) cannot sign in locally: they get one nothing verifies.
    await q.query(`UPDATE "users" SET "password_hash" = '!' WHERE "password_hash" IS NULL`);
    await q.query(`ALTER TABLE "users" ALTER COLUMN "password_hash" SET NOT NULL`);
  }
}
