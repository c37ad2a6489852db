import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { DataSource, MigrationExecutor, type DataSourceOptions } from 'typeorm';
import type { Config } from '../config/config.schema.js';
import { closeEmbedded, openEmbedded } from './embedded.js';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations/index.js';

export type DatabaseKind = 'postgres' | 'embedded';

export interface DatabaseTarget {
  kind: DatabaseKind;
  /** Safe for logs: the URL with its password masked, or the embedded data directory. */
  description: string;
}

export function describeDatabase(config: Pick<Config, 'database'>): DatabaseTarget {
  const url = config.database.url;
  if (url) return { kind: 'postgres', description: redactUrl(url) };
  return { kind: 'embedded', description: `embedded PGlite in ${config.database.embedded_dir}` };
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/** TypeORM options for PostgreSQL (database.url / DATABASE_URL) or the embedded database. */
export async function dataSourceOptions(config: Pick<Config, 'database'>): Promise<DataSourceOptions> {
  const common = {
    type: 'postgres' as const,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    // Migrations run under an advisory lock in runMigrations(), not by TypeORM on connect.
    migrationsRun: false,
    synchronize: false,
    // gen_random_uuid() is core since PostgreSQL 13; uuid-ossp is neither needed nor in PGlite.
    installExtensions: false,
    logging: false,
  };
  const url = config.database.url;
  if (url) return { ...common, url, poolSize: config.database.pool_size, applicationName: 'openid-provider' };
  return { ...common, extra: createPgConfig(await openEmbedded(config.database.embedded_dir)) };
}

/** A DataSource that also closes the embedded database it runs on (the pg adapter does not). */
export class AppDataSource extends DataSource {
  override async destroy(): Promise<void> {
    try {
      if (this.isInitialized) await super.destroy();
    } finally {
      if (!(this.options as { url?: string }).url) await closeEmbedded();
    }
  }
}

export async function createDataSource(config: Config): Promise<AppDataSource> {
  return new AppDataSource(await dataSourceOptions(config));
}

// Arbitrary constant naming "openid-provider migrations" for pg_advisory_lock.
const MIGRATION_LOCK = 0x6f70_6964;

/**
 * Applies pending migrations. Several instances may start at once behind a load balancer: a
 * session-level advisory lock makes them take turns, and the migrations run on the locked
 * connection itself (the embedded database has a single connection).
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  return withMigrationLock(dataSource, async (executor) => (await executor.executePendingMigrations()).map((m) => m.name));
}

export async function revertLastMigration(dataSource: DataSource): Promise<void> {
  await withMigrationLock(dataSource, (executor) => executor.undoLastMigration());
}

export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  try {
    return (await new MigrationExecutor(dataSource, runner).getPendingMigrations()).map((m) => m.name);
  } finally {
    await runner.release();
  }
}

async function withMigrationLock<T>(dataSource: DataSource, work: (executor: MigrationExecutor) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      return await work(executor);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
  }
}
