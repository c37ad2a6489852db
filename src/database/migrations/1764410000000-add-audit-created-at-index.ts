import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sign-in history is kept for `database.audit_retention`: pruning deletes the oldest events in
 * batches, and without an index on created_at each batch would scan the whole table (the
 * (user_id, created_at) index serves one user's history, not every user's oldest rows).
 */
export class AddAuditCreatedAtIndex1764410000000 implements MigrationInterface {
  name = 'AddAuditCreatedAtIndex1764410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "audit_events_created_at_idx" ON "audit_events" ("created_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "audit_events_created_at_idx"`);
  }
}
