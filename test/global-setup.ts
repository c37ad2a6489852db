import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

// With TEST_DATABASE_URL set (a PostgreSQL server the tests may create databases on), the whole
// run gets a fresh database, dropped at the end; an unreachable server fails the run, it never
// falls back silently. Without it, every suite runs on the embedded database.

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string | null;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const adminUrl = process.env['TEST_DATABASE_URL'];
  if (!adminUrl) {
    project.provide('databaseUrl', null);
    return;
  }
  const name = `openid_provider_test_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`TEST_DATABASE_URL is set but PostgreSQL is unreachable (${(error as Error).message}): refusing to run the suite without it`, { cause: error });
  }
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  project.provide('databaseUrl', url.toString());
  process.stderr.write(`[tests] PostgreSQL: fresh database ${name}\n`);

  return async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.end();
  };
}
