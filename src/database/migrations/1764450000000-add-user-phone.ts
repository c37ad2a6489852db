import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A phone number in the profile (issue 12, the OpenID Connect `phone` scope): the ITU-T E.164 form
 * src/users/profile.ts stores (a +, a country code that does not start with 0, at most 15 digits),
 * checked here as the other formatted fields are, so that no writer stores a value a relying party
 * would choke on. NULL (no number) for every existing account.
 */
export class AddUserPhone1764450000000 implements MigrationInterface {
  name = 'AddUserPhone1764450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "users" ADD COLUMN "phone" varchar(32) NULL`);
    await q.query(`ALTER TABLE "users" ADD CONSTRAINT "users_phone_format" CHECK ("phone" ~ '^\\+[1-9][0-9]{6,14}$')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "users" DROP CONSTRAINT "users_phone_format"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "phone"`);
  }
}
