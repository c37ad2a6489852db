import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The OpenID state every instance shares: associations (§8), consumed response nonces (§11.4.2.1),
 * login sessions, pending authentication requests and "allow always" trust grants.
 */
export class CreateOpenidState1764350000000 implements MigrationInterface {
  name = 'CreateOpenidState1764350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "associations" (
        "handle" varchar(255) NOT NULL,
        "kind" varchar(7) NOT NULL,
        "assoc_type" varchar(16) NOT NULL,
        "secret" bytea NOT NULL,
        "issued_at" timestamptz NOT NULL,
        "expires_at" timestamptz NOT NULL,
        CONSTRAINT "associations_pkey" PRIMARY KEY ("handle"),
        CONSTRAINT "associations_kind_value" CHECK ("kind" IN ('shared', 'private')),
        CONSTRAINT "associations_assoc_type_value" CHECK ("assoc_type" IN ('HMAC-SHA1', 'HMAC-SHA256'))
      )`);
    await q.query(`CREATE INDEX "associations_expires_at_idx" ON "associations" ("expires_at")`);

    await q.query(`
      CREATE TABLE "used_nonces" (
        "nonce" varchar(255) NOT NULL,
        "expires_at" timestamptz NOT NULL,
        CONSTRAINT "used_nonces_pkey" PRIMARY KEY ("nonce")
      )`);
    await q.query(`CREATE INDEX "used_nonces_expires_at_idx" ON "used_nonces" ("expires_at")`);

    await q.query(`
      CREATE TABLE "sessions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "token_hash" bytea NOT NULL,
        "user_id" uuid NOT NULL,
        "remember" boolean NOT NULL DEFAULT false,
        "auth_time" timestamptz NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "last_seen_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        "ip" varchar(45),
        "user_agent" varchar(512),
        CONSTRAINT "sessions_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "sessions_token_hash_key" UNIQUE ("token_hash"),
        CONSTRAINT "sessions_user_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "sessions_user_id_idx" ON "sessions" ("user_id")`);
    await q.query(`CREATE INDEX "sessions_expires_at_idx" ON "sessions" ("expires_at")`);

    await q.query(`
      CREATE TABLE "pending_requests" (
        "id" varchar(64) NOT NULL,
        "domain" varchar(253) NOT NULL,
        "message" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        CONSTRAINT "pending_requests_pkey" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "pending_requests_expires_at_idx" ON "pending_requests" ("expires_at")`);

    await q.query(`
      CREATE TABLE "trust_grants" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "realm" varchar(2048) NOT NULL,
        "fields" jsonb NOT NULL DEFAULT '[]',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "last_used_at" timestamptz,
        CONSTRAINT "trust_grants_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "trust_grants_user_realm_key" UNIQUE ("user_id", "realm"),
        CONSTRAINT "trust_grants_user_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "trust_grants"`);
    await q.query(`DROP TABLE "pending_requests"`);
    await q.query(`DROP TABLE "sessions"`);
    await q.query(`DROP TABLE "used_nonces"`);
    await q.query(`DROP TABLE "associations"`);
  }
}
