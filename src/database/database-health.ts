import { Injectable } from '@nestjs/common';
import { DatabaseHealthRepository } from './database-health.repository.js';

/**
 * A load balancer's probe wants an answer, not a wait: a database that does not answer SELECT 1
 * within this counts as unreachable (the statement itself is bounded by database.statement_timeout).
 */
const PING_DEADLINE_MS = 2000;

class PingTimeout extends Error {}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PingTimeout('database ping timed out')), ms);
  });
  // The ping may still fail after the deadline: nobody waits for it then, so keep it handled.
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export interface DatabaseStatus {
  reachable: boolean;
  pendingMigrations: string[];
}

/** Readiness: the database answers and its schema is the one this build expects. */
@Injectable()
export class DatabaseHealth {
  /** Once the schema is current it stays so for the life of this build: no need to ask again. */
  private schemaCurrent = false;

  constructor(private readonly database: DatabaseHealthRepository) {}

  async status(): Promise<DatabaseStatus> {
    try {
      await withDeadline(this.database.ping(), PING_DEADLINE_MS);
      if (this.schemaCurrent) return { reachable: true, pendingMigrations: [] };
      const pending = await this.database.pendingMigrations();
      this.schemaCurrent = pending.length === 0;
      return { reachable: true, pendingMigrations: pending };
    } catch {
      return { reachable: false, pendingMigrations: [] };
    }
  }
}
