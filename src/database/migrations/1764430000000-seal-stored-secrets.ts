import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Secrets at rest (issue 11): association MAC keys and provider secrets are stored sealed with
 * AES-256-GCM under the operator key (secrets.key_file, src/secrets/key-ring.ts): a key id, an IV
 * and the ciphertext with its tag replace the clear `secret` column.
 *
 * A migration has no access to the operator key, so the clear rows are deleted, not converted:
 * - shared associations: the relying parties holding them get invalidate_handle on their next
 *   request (OpenID 2.0 §10.1) and associate again, which conforming RPs do by themselves;
 * - private associations of the stored kind (earlier versions): assertions signed with them and
 *   not yet checked fail check_authentication (they lived 10 minutes by default);
 * - the private-association derivation key: a new one is made at the first start, so assertions
 *   signed in stateless mode in the minutes before the upgrade fail check_authentication too.
 * `down` restores the columns but cannot decrypt: it deletes the sealed rows the same way.
 */
export class SealStoredSecrets1764430000000 implements MigrationInterface {
  name = 'SealStoredSecrets1764430000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['associations', 'provider_secrets']) {
      await q.query(`DELETE FROM "${table}"`);
      await q.query(`ALTER TABLE "${table}" DROP COLUMN "secret"`);
      await q.query(`ALTER TABLE "${table}" ADD COLUMN "key_id" varchar(32) NOT NULL, ADD COLUMN "iv" bytea NOT NULL, ADD COLUMN "sealed_secret" bytea NOT NULL`);
      await q.query(`ALTER TABLE "${table}" ADD CONSTRAINT "${table}_iv_length" CHECK (octet_length("iv") = 12)`);
    }
    // `keys list` counts the rows each key protects, and `keys remove` refuses a key still in use.
    await q.query(`CREATE INDEX "associations_key_id_idx" ON "associations" ("key_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "associations_key_id_idx"`);
    for (const table of ['associations', 'provider_secrets']) {
      await q.query(`DELETE FROM "${table}"`);
      await q.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${table}_iv_length"`);
      await q.query(`ALTER TABLE "${table}" DROP COLUMN "key_id", DROP COLUMN "iv", DROP COLUMN "sealed_secret"`);
      await q.query(`ALTER TABLE "${table}" ADD COLUMN "secret" bytea NOT NULL`);
    }
  }
}
