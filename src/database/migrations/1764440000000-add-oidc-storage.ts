import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OpenID Connect persistence (issue 12, point 5).
 *
 * `oidc_models` holds every model oidc-provider stores through its Adapter (src/oidc/storage):
 * one row per (model, id), the id being the SHA-256 of oidc-provider's id (for opaque tokens the
 * id is the token itself), the payload as jsonb without its secrets, which are sealed under the
 * operator key (key_id, iv, sealed: all three or none), and the columns the Adapter looks rows
 * up by: grant_id (revokeByGrantId), uid (findByUid, sessions), user_code (findByUserCode,
 * hashed too), expires_at (never returned once past, pruned) and consumed_at (consume, once).
 *
 * `oidc_signing_keys` holds the provider's signing keys (src/oidc/keys): the private JWK sealed
 * under the operator key, its RFC 7638 thumbprint as kid, its alg, and when it was retired. At
 * most one active (unretired) key per alg: the partial unique index is what lets instances
 * starting together insert-if-absent without both generating one.
 */
export class AddOidcStorage1764440000000 implements MigrationInterface {
  name = 'AddOidcStorage1764440000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "oidc_models" (
        "model" varchar(64) NOT NULL,
        "id" bytea NOT NULL,
        "payload" jsonb NOT NULL,
        "grant_id" varchar(255),
        "uid" varchar(255),
        "user_code" bytea,
        "key_id" varchar(32),
        "iv" bytea,
        "sealed" bytea,
        "expires_at" timestamptz,
        "consumed_at" timestamptz,
        CONSTRAINT "oidc_models_pkey" PRIMARY KEY ("model", "id"),
        CONSTRAINT "oidc_models_id_length" CHECK (octet_length("id") = 32),
        CONSTRAINT "oidc_models_sealed_whole" CHECK (("key_id" IS NULL) = ("iv" IS NULL) AND ("iv" IS NULL) = ("sealed" IS NULL)),
        CONSTRAINT "oidc_models_iv_length" CHECK (octet_length("iv") = 12)
      )`);
    await q.query(`CREATE INDEX "oidc_models_grant_id_idx" ON "oidc_models" ("grant_id")`);
    await q.query(`CREATE INDEX "oidc_models_uid_idx" ON "oidc_models" ("model", "uid")`);
    await q.query(`CREATE INDEX "oidc_models_user_code_idx" ON "oidc_models" ("model", "user_code")`);
    await q.query(`CREATE INDEX "oidc_models_expires_at_idx" ON "oidc_models" ("expires_at")`);
    await q.query(`CREATE INDEX "oidc_models_key_id_idx" ON "oidc_models" ("key_id")`);
    await q.query(`
      CREATE TABLE "oidc_signing_keys" (
        "kid" varchar(64) NOT NULL,
        "alg" varchar(16) NOT NULL,
        "key_id" varchar(32) NOT NULL,
        "iv" bytea NOT NULL,
        "sealed_jwk" bytea NOT NULL,
        "created_at" timestamptz NOT NULL,
        "retired_at" timestamptz,
        CONSTRAINT "oidc_signing_keys_pkey" PRIMARY KEY ("kid"),
        CONSTRAINT "oidc_signing_keys_iv_length" CHECK (octet_length("iv") = 12)
      )`);
    await q.query(`CREATE UNIQUE INDEX "oidc_signing_keys_active_alg" ON "oidc_signing_keys" ("alg") WHERE "retired_at" IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "oidc_signing_keys"`);
    await q.query(`DROP TABLE "oidc_models"`);
  }
}
