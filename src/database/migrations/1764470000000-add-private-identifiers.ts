import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Private (pairwise) identifiers (issue 13 point 4): `{base}/openid/p/{opaque}`, one per account
 * and normalised realm, found by its opaque part (discovery, checkid) and listed on the identity
 * page. A trust grant remembers which identifier "always allow" was given with ('public', the
 * account's own, for every existing grant; 'private'), so that checkid_immediate answers the same.
 */
export class AddPrivateIdentifiers1764470000000 implements MigrationInterface {
  name = 'AddPrivateIdentifiers1764470000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "private_identifiers" (
        "opaque" varchar(64) NOT NULL,
        "user_id" uuid NOT NULL,
        "domain" varchar(253) NOT NULL,
        "realm" varchar(2048) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "last_used_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "private_identifiers_pkey" PRIMARY KEY ("opaque"),
        CONSTRAINT "private_identifiers_user_realm_key" UNIQUE ("user_id", "realm"),
        CONSTRAINT "private_identifiers_user_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
      )`);
    await q.query(`ALTER TABLE "trust_grants" ADD "identifier" varchar(16) NOT NULL DEFAULT 'public'`);
    await q.query(`ALTER TABLE "trust_grants" ADD CONSTRAINT "trust_grants_identifier_check" CHECK ("identifier" IN ('public', 'private'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "trust_grants" DROP CONSTRAINT "trust_grants_identifier_check"`);
    await q.query(`ALTER TABLE "trust_grants" DROP COLUMN "identifier"`);
    await q.query(`DROP TABLE "private_identifiers"`);
  }
}
