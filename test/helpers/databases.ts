import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { parseConfig } from '../../src/config/config.loader.js';
import type { ConfigInput } from '../../src/config/config.schema.js';
import { type AppDataSource, createDataSource, runMigrations } from '../../src/database/data-source.js';

/** Runs `work` against a PostgreSQL database created for it on the run's server and dropped afterwards. */
export async function withFreshDatabase(prefix: string, work: (url: string) => Promise<void>): Promise<void> {
  const base = new URL(inject('databaseUrl')!);
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  try {
    await work(url.toString());
  } finally {
    await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

/**
 * Runs `work` on a migrated database of its own: in-memory PGlite, or (with TEST_DATABASE_URL) a
 * fresh PostgreSQL database, for tests that fill or empty whole tables.
 */
export async function withMigratedDatabase(prefix: string, work: (dataSource: AppDataSource) => Promise<void>): Promise<void> {
  const run = async (database: ConfigInput['database']): Promise<void> => {
    const dataSource = await createDataSource(parseConfig({ domains: [{ name: 'example.org', base_url: 'https://example.org' }], database }, null));
    await dataSource.initialize();
    try {
      await runMigrations(dataSource);
      await work(dataSource);
    } finally {
      await dataSource.destroy();
    }
  };
  if (inject('databaseUrl') === null) await run({ embedded_dir: 'memory://' });
  else await withFreshDatabase(prefix, (url) => run({ url }));
}

/**
 * For a describe block whose rows must not meet other suites' (an operator key file of its own,
 * tables emptied): on PostgreSQL a database of its own, created before and dropped after the
 * block; on the embedded database nothing (each app has its own already). `config()` gives the
 * `database` settings to pass to testConfig.
 */
export function useOwnDatabase(prefix: string): { config(): { database?: { url: string; pool_size: number } } } {
  let url: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const base = inject('databaseUrl');
    if (base === null) return;
    const name = `${prefix}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    const own = new URL(base);
    own.pathname = `/${name}`;
    url = own.toString();
    drop = async () => {
      await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
      await admin.end();
    };
  });
  afterAll(() => drop?.());
  return { config: () => (url === undefined ? {} : { database: { url, pool_size: 2 } }) };
}
