import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Failed-login counters per account and per client address (login throttling). */
export class CreateLoginThrottle1764360000000 implements MigrationInterface {
  name = 'CreateLoginThrottle1764360000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "login_throttle" (
        "key" varchar(1400) NOT NULL,
        "failures" integer NOT NULL,
        "last_failure_at" timestamptz NOT NULL,
        "locked_until" timestamptz,
        CONSTRAINT "login_throttle_pkey" PRIMARY KEY ("key")
      )`);
    await q.query(`CREATE INDEX "login_throttle_last_failure_at_idx" ON "login_throttle" ("last_failure_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "login_throttle"`);
  }
}
