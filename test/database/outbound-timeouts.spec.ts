import { createServer, type Server, type Socket } from 'node:net';
import { inject } from 'vitest';
import { parseConfig } from '../../src/config/config.loader.js';
import type { ConfigInput } from '../../src/config/config.schema.js';
import { createDataSource, runMigrations } from '../../src/database/data-source.js';
import { withFreshDatabase } from '../helpers/databases.js';

// Issue 11 point 4: every outbound call has a connect timeout and an overall deadline from the
// configuration. For PostgreSQL: database.connect_timeout (pg waits for ever by default for a
// server that accepts the TCP connection and never answers) and database.statement_timeout (a
// statement that does not end is cancelled by the server), which migrations do not inherit.

const domains = [{ name: 'example.org', base_url: 'https://example.org' }];
const config = (database: ConfigInput['database']) => parseConfig({ domains, database }, null);

describe('PostgreSQL connect timeout', () => {
  let server: Server;
  const sockets: Socket[] = [];
  let port: number;
  beforeAll(async () => {
    // Accepts connections and never says a word: a hung server, a black-holing firewall.
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('gives up on a silent server after database.connect_timeout instead of waiting for ever', async () => {
    const dataSource = await createDataSource(config({ url: `postgres://openid:secret@127.0.0.1:${port}/openid`, connect_timeout: 1 }));
    const started = Date.now();
    const failure = await dataSource.initialize().then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    const elapsed = Date.now() - started;
    expect(failure).toBeInstanceOf(Error);
    expect(failure!.message).toMatch(/timeout/i);
    // 1 s configured; generous bounds for a loaded machine, far below "for ever".
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(15_000);
    expect(sockets.length).toBeGreaterThanOrEqual(1);
  });
});

describe('PostgreSQL statement timeout', () => {
  it.runIf(inject('databaseUrl') !== null)('cancels a statement that runs longer than database.statement_timeout, but not migrations', async () => {
    await withFreshDatabase('ops_timeout', async (url) => {
      const dataSource = await createDataSource(config({ url, statement_timeout: 1, pool_size: 1 }));
      await dataSource.initialize();
      try {
        // Migrations lift the timeout on their own session, and put it back afterwards.
        expect((await runMigrations(dataSource)).length).toBeGreaterThan(0);
        expect(await dataSource.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '1s' }]);
        const started = Date.now();
        const error = await dataSource.query('SELECT pg_sleep(5)').then(
          () => undefined,
          (e: unknown) => e as { driverError?: { code?: string } },
        );
        // SQLSTATE 57014 query_canceled ("canceling statement due to statement timeout").
        expect(error?.driverError?.code).toBe('57014');
        expect(Date.now() - started).toBeLessThan(4500);
        // The pool's session still works afterwards.
        expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      } finally {
        await dataSource.destroy();
      }
    });
  });
});
