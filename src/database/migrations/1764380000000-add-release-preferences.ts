import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Attribute release preferences: per user, which profile fields are ticked by default on the
 * consent page; per trust grant, which fields the RP had asked for when the user chose "always"
 * (a later request for anything else asks again).
 */
export class AddReleasePreferences1764380000000 implements MigrationInterface {
  name = 'AddReleasePreferences1764380000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "users" ADD COLUMN "release_defaults" jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`ALTER TABLE "trust_grants" ADD COLUMN "asked_fields" jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "trust_grants" DROP COLUMN "asked_fields"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "release_defaults"`);
  }
}
