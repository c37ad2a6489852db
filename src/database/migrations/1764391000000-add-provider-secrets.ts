import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Secrets the provider generates for itself and every instance must share, by name: today the
 * key private associations' MAC keys are derived from (src/association/derived-private-association.ts).
 * Private associations are no longer stored: their rows expire and are pruned as before.
 */
export class AddProviderSecrets1764391000000 implements MigrationInterface {
  name = 'AddProviderSecrets1764391000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "provider_secrets" (
        "name" varchar(64) NOT NULL,
        "secret" bytea NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "provider_secrets_pkey" PRIMARY KEY ("name")
      )
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "provider_secrets"`);
  }
}
