import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Sign-in history shown on the identity page: logins and the answers given to relying parties. */
export class CreateAuditLog1764370000000 implements MigrationInterface {
  name = 'CreateAuditLog1764370000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "audit_events" (
        "id" bigserial NOT NULL,
        "user_id" uuid,
        "domain" varchar(253) NOT NULL,
        "kind" varchar(32) NOT NULL,
        "realm" varchar(2048),
        "ip" varchar(45),
        "user_agent" varchar(512),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "audit_events_user_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "audit_events_user_created_idx" ON "audit_events" ("user_id", "created_at" DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "audit_events"`);
  }
}
