import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pendingMigrations } from './data-source.js';

export interface DatabaseStatus {
  reachable: boolean;
  pendingMigrations: string[];
}

/** Readiness: the database answers and its schema is the one this build expects. */
@Injectable()
export class DatabaseHealth {
  /** Once the schema is current it stays so for the life of this build: no need to ask again. */
  private schemaCurrent = false;

  constructor(private readonly dataSource: DataSource) {}

  async status(): Promise<DatabaseStatus> {
    try {
      await this.dataSource.query('SELECT 1');
      if (this.schemaCurrent) return { reachable: true, pendingMigrations: [] };
      const pending = await pendingMigrations(this.dataSource);
      this.schemaCurrent = pending.length === 0;
      return { reachable: true, pendingMigrations: pending };
    } catch {
      return { reachable: false, pendingMigrations: [] };
    }
  }
}
