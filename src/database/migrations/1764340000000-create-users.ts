import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsers1764340000000 implements MigrationInterface {
  name = 'CreateUsers1764340000000';

  async up(q: QueryRunner): Promise<void> {
    // Usernames are stored in their normalised form (JID localpart, lowercased), so the unique
    // constraint is the case-insensitive one. SReg 1.1 field formats are checked here as well as in
    // the service, so that no writer can store a value an RP would choke on.
    await q.query(`
      CREATE TABLE "users" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "domain" varchar(253) NOT NULL,
        "username" varchar(1023) NOT NULL,
        "password_hash" text NOT NULL,
        "nickname" varchar(255),
        "email" varchar(254),
        "fullname" varchar(255),
        "dob" char(10),
        "gender" char(1),
        "postcode" varchar(32),
        "country" char(2),
        "language" varchar(35),
        "timezone" varchar(64),
        "disabled" boolean NOT NULL DEFAULT false,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "users_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "users_domain_username_key" UNIQUE ("domain", "username"),
        CONSTRAINT "users_username_lowercase" CHECK ("username" = lower("username")),
        CONSTRAINT "users_dob_format" CHECK ("dob" ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
        CONSTRAINT "users_gender_value" CHECK ("gender" IN ('M', 'F')),
        CONSTRAINT "users_country_format" CHECK ("country" ~ '^[A-Z]{2}$')
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "users"`);
  }
}
