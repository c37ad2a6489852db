import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pendingMigrations } from './data-source.js';

/** What readiness asks the database: does it answer, and which migrations has it not run yet. */
@Injectable()
export class DatabaseHealthRepository {
  constructor(private readonly dataSource: DataSource) {}

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  pendingMigrations(): Promise<string[]> {
    return pendingMigrations(this.dataSource);
  }
}
