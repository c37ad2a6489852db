import { dirname } from 'node:path';
import { Logger } from '@nestjs/common';
import { DataSource, MigrationExecutor, type DataSourceOptions, type Migration } from 'typeorm';
import type { Config } from '../config/config.schema.js';
import { closeEmbedded, EmbeddedDatabaseInUse, embeddedPgConfig, SOCKET_NAME } from './embedded.js';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations/index.js';

/** How much longer than statement_timeout the client waits for an answer (query_timeout). */
const QUERY_TIMEOUT_MARGIN_S = 2;

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

/**
 * TypeORM options for PostgreSQL (database.url / DATABASE_URL) or the embedded database: opened
 * in this process, or, when a running server holds the directory and shares it, reached through
 * that server's socket.
 */
export async function dataSourceOptions(config: Pick<Config, 'database'>): Promise<DataSourceOptions> {
  const common = {
    type: 'postgres' as const,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    // Migrations run under an advisory lock (AppDataSource.runMigrations), not by TypeORM on connect.
    migrationsRun: false,
    // One transaction per migration, also for the TypeORM CLI (whose default is one for all).
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    // gen_random_uuid() is core since PostgreSQL 13; uuid-ossp is neither needed nor in PGlite.
    installExtensions: false,
    // The server and the admin CLI set a logger that never prints parameters (database.module.ts).
    logging: false,
  };
  const url = config.database.url;
  if (url) {
    return {
      ...common,
      url,
      poolSize: config.database.pool_size,
      applicationName: 'openid-provider',
      // pg-pool's connectionTimeoutMillis bounds the connect and the wait for a free pool slot:
      // with the server gone or saturated, requests fail in seconds (503) rather than queue for ever.
      connectTimeoutMS: config.database.connect_timeout * 1000,
      // pg-pool emits 'error' for an idle connection that dies (a server restart): the pool drops
      // it and opens another at the next request. Said in the log, with the driver's code and
      // message only; without a listener the event would crash the process.
      poolErrorHandler: (error: unknown) => {
        const { code, message } = error as { code?: unknown; message?: unknown };
        new Logger('Database').warn(`an idle database connection failed (${typeof code === 'string' ? code : 'no code'}: ${String(message).slice(0, 200)}); it is replaced at the next request`);
      },
      extra: {
        // Sent as a start-up parameter: PostgreSQL cancels a statement running longer (SQLSTATE 57014).
        statement_timeout: config.database.statement_timeout * 1000,
        // And the client gives up a little later whatever the server does: a server that stopped
        // answering (frozen, or cut off by the network) cannot hold a request for ever either.
        query_timeout: (config.database.statement_timeout + QUERY_TIMEOUT_MARGIN_S) * 1000,
        // TCP keep-alive, so a server that vanished without closing (host down, network cut) is
        // noticed on idle connections too.
        keepAlive: true,
      },
    };
  }
  try {
    return { ...common, extra: await embeddedPgConfig(config.database.embedded_dir) };
  } catch (error) {
    if (!(error instanceof EmbeddedDatabaseInUse) || !error.socket?.endsWith(`/${SOCKET_NAME}`)) throw error;
    return {
      ...common,
      // pg's Unix-socket form: the socket's directory as host, ".s.PGSQL.<port>" inside it.
      host: dirname(error.socket),
      port: 5432,
      username: 'postgres',
      database: 'postgres',
      // One session behind the socket: a second connection would only wait for the first, and
      // deadlock if the first waits for it (the same rule as PGlite in-process).
      poolSize: 1,
      connectTimeoutMS: 15_000,
      applicationName: 'openid-provider (via the server)',
    };
  }
}

/** True for options that reach the embedded database through the server's socket. */
function viaSharedSocket(options: DataSourceOptions): boolean {
  return typeof (options as { host?: unknown }).host === 'string' && (options as { host: string }).host.startsWith('/');
}

type MigrationRunOptions = { transaction?: 'all' | 'none' | 'each'; fake?: boolean };

/**
 * The DataSource of the app, the admin CLI and the TypeORM CLI (ormconfig.ts). It closes the
 * embedded database it opened (the pg adapter does not), and its migration methods, which the
 * TypeORM CLI calls too, take the migration lock.
 */
export class AppDataSource extends DataSource {
  override async destroy(): Promise<void> {
    try {
      if (this.isInitialized) await super.destroy();
    } finally {
      if (!(this.options as { url?: string }).url && !viaSharedSocket(this.options)) await closeEmbedded();
    }
  }

  override async runMigrations(options?: MigrationRunOptions): Promise<Migration[]> {
    return withMigrationLock(this, (executor) => {
      configure(executor, options);
      return executor.executePendingMigrations();
    });
  }

  override async undoLastMigration(options?: MigrationRunOptions): Promise<void> {
    await withMigrationLock(this, (executor) => {
      configure(executor, options);
      return executor.undoLastMigration();
    });
  }
}

function configure(executor: MigrationExecutor, options: MigrationRunOptions | undefined): void {
  executor.transaction = options?.transaction ?? 'each';
  executor.fake = options?.fake ?? false;
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
export async function runMigrations(dataSource: AppDataSource): Promise<string[]> {
  return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
}

export async function revertLastMigration(dataSource: AppDataSource): Promise<void> {
  await dataSource.undoLastMigration({ transaction: 'each' });
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
    if (viaSharedSocket(dataSource.options)) {
      // Everyone behind the server's socket shares one PostgreSQL session, where an advisory lock
      // is re-entrant and excludes no one. A transaction does: the server's session arbiter lets
      // nobody else in until it ends. So the pending list is read and applied in one transaction.
      await runner.startTransaction();
      try {
        const result = await work(new MigrationExecutor(dataSource, runner));
        await runner.commitTransaction();
        return result;
      } catch (error) {
        await runner.rollbackTransaction();
        throw error;
      }
    }
    // Waiting for another instance's migrations, and a long migration itself, must not be cut by
    // database.statement_timeout (meant for requests): off for this session and this client's
    // query_timeout, both restored afterwards.
    const client = (runner as unknown as { databaseConnection?: { connectionParameters?: { query_timeout?: number } } }).databaseConnection?.connectionParameters;
    const queryTimeout = client?.query_timeout;
    if (client) client.query_timeout = undefined;
    await runner.query('SET statement_timeout = 0');
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        return await work(new MigrationExecutor(dataSource, runner));
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      await runner.query('RESET statement_timeout');
      if (client) client.query_timeout = queryTimeout;
    }
  } finally {
    await runner.release();
  }
}
