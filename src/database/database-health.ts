import { Injectable } from '@nestjs/common';
import { DatabaseHealthRepository } from './database-health.repository.js';

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
      await this.database.ping();
      if (this.schemaCurrent) return { reachable: true, pendingMigrations: [] };
      const pending = await this.database.pendingMigrations();
      this.schemaCurrent = pending.length === 0;
      return { reachable: true, pendingMigrations: pending };
    } catch {
      return { reachable: false, pendingMigrations: [] };
    }
  }
}
