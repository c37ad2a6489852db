import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { parseConfig } from '../../src/config/config.loader.js';
import { createDataSource, runMigrations, type AppDataSource } from '../../src/database/data-source.js';
import { ReadyForQueryScanner, SessionArbiter } from '../../src/database/embedded-session.js';
import { shareEmbedded } from '../../src/database/embedded.js';

// The one PGlite session shared by the server (in-process) and other processes (pg over the Unix
// socket): units of work never interleave, a vanished client's transaction is rolled back, and
// the socket is the owner's only. Both sides run in this process here; test/cli/shared-embedded
// does it with a real server process.

function message(type: string, body: number[]): number[] {
  const length = 4 + body.length;
  return [type.charCodeAt(0), (length >>> 24) & 255, (length >>> 16) & 255, (length >>> 8) & 255, length & 255, ...body];
}

describe('ReadyForQueryScanner', () => {
  it('finds the status of the last ReadyForQuery, across any chunking', () => {
    const stream = Uint8Array.from([
      ...message('1', []), // ParseComplete
      ...message('C', [...Buffer.from('INSERT 0 1\0')]),
      ...message('Z', ['T'.charCodeAt(0)]),
      ...message('D', [0, 1, 0, 0, 0, 1, 0x5a]), // a DataRow whose bytes look like a 'Z'
      ...message('Z', ['I'.charCodeAt(0)]),
    ]);
    for (const size of [1, 2, 3, 5, 7, stream.length]) {
      const scanner = new ReadyForQueryScanner();
      for (let i = 0; i < stream.length; i += size) scanner.feed(stream.subarray(i, i + size));
      expect(scanner.take()).toBe('I');
      expect(scanner.take()).toBeNull();
    }
    const open = new ReadyForQueryScanner();
    open.feed(Uint8Array.from(message('Z', ['E'.charCodeAt(0)])));
    expect(open.take()).toBe('E');
  });
});

describe('SessionArbiter', () => {
  it('grants the session in turn, again at once to its owner, and forgets a cancelled waiter', async () => {
    const arbiter = new SessionArbiter();
    const [a, b, c] = [Symbol('a'), Symbol('b'), Symbol('c')];
    expect(await arbiter.acquire(a)).toBe(true);
    expect(await arbiter.acquire(a)).toBe(true);
    const order: string[] = [];
    const gotB = arbiter.acquire(b).then((ok) => order.push(`b:${ok}`));
    const gotC = arbiter.acquire(c).then((ok) => order.push(`c:${ok}`));
    arbiter.release(c); // not the owner: no effect
    arbiter.cancel(b);
    await gotB;
    expect(arbiter.owns(a)).toBe(true);
    arbiter.release(a);
    await gotC;
    expect(order).toEqual(['b:false', 'c:true']);
    expect(arbiter.owns(c)).toBe(true);
  });
});

describe('the embedded database shared on a Unix socket', () => {
  let dir: string;
  let ds: AppDataSource;
  let socket: string;
  const clients: pg.Client[] = [];

  async function client(): Promise<pg.Client> {
    const c = new pg.Client({ host: dirname(socket), port: 5432, user: 'postgres', database: 'postgres' });
    c.on('error', () => undefined);
    clients.push(c);
    await c.connect();
    return c;
  }
  const count = async (): Promise<number> => ((await ds.query('SELECT count(*)::int AS n FROM shared_t')) as { n: number }[])[0]!.n;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    dir = join(mkdtempSync(join(tmpdir(), 'op-shared-')), 'pglite');
    ds = await createDataSource(parseConfig({ domains: [{ name: 'example.org', base_url: 'https://example.org' }], database: { embedded_dir: dir } }, null));
    await ds.initialize();
    await runMigrations(ds);
    socket = (await shareEmbedded(dir, { ownerIdleTimeoutMs: 700 }))!;
    await ds.query('CREATE TABLE shared_t (id int NOT NULL, who text NOT NULL)');
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
    await ds.query('DELETE FROM shared_t');
  });
  afterAll(async () => {
    await ds?.destroy();
    rmSync(dirname(dir), { recursive: true, force: true });
  });

  it('is a socket only its owner may open, named in the lock file, in the data directory', () => {
    expect(socket).toBe(join(dir, '.s.PGSQL.5432'));
    const stat = statSync(socket);
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'openid-provider.lock'), 'utf8')).toBe(`${process.pid}\n${socket}\n`);
  });

  it("keeps a client's transaction to itself: the server waits for the commit, then sees it", async () => {
    const c = await client();
    await c.query('BEGIN');
    await c.query('INSERT INTO shared_t VALUES ($1, $2)', [1, 'cli']);
    let answered = false;
    const seen = count().then((n) => ((answered = true), n));
    await sleep(200);
    expect(answered).toBe(false);
    await c.query('COMMIT');
    expect(await seen).toBe(1);
  });

  it("rolls back the transaction of a client that vanished, and lets the others go on", async () => {
    const c = await client();
    await c.query('BEGIN');
    await c.query('INSERT INTO shared_t VALUES ($1, $2)', [2, 'gone']);
    const waiting = count();
    (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect(await waiting).toBe(0);
    const other = await client();
    expect((await other.query('SELECT count(*)::int AS n FROM shared_t')).rows[0].n).toBe(0);
  });

  it('cuts off a client idle inside a transaction, so that the server is not held forever', async () => {
    const c = await client();
    const ended = new Promise<void>((resolve) => c.on('end', () => resolve()));
    await c.query('BEGIN');
    await c.query('INSERT INTO shared_t VALUES (3, $1)', ['idle']);
    const started = Date.now();
    expect(await count()).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    await ended;
  });

  it('never mixes up the queries and transactions of concurrent clients and the server', async () => {
    const socketClients = await Promise.all([client(), client(), client()]);
    const wrong: string[] = [];
    const viaSocket = socketClients.map(async (c, w) => {
      for (let i = 0; i < 40; i++) {
        const r = await c.query('SELECT $1::int AS i, $2::text AS who', [i, `socket-${w}`]);
        if (r.rows[0].i !== i || r.rows[0].who !== `socket-${w}`) wrong.push(`socket-${w}/${i}`);
        await c.query('BEGIN');
        await c.query('INSERT INTO shared_t VALUES ($1, $2)', [i, `socket-${w}`]);
        await c.query(i % 4 === 0 ? 'ROLLBACK' : 'COMMIT');
      }
    });
    const inProcess = (async () => {
      for (let i = 0; i < 40; i++) {
        const rows = (await ds.query('SELECT $1::int AS i, $2::text AS who', [i, 'server'])) as { i: number; who: string }[];
        if (rows[0]!.i !== i || rows[0]!.who !== 'server') wrong.push(`server/${i}`);
        await ds.transaction(async (em) => {
          await em.query('INSERT INTO shared_t VALUES ($1, $2)', [i, 'server']);
          const mine = (await em.query('SELECT count(*)::int AS n FROM shared_t WHERE who = $1 AND id = $2', ['server', i])) as { n: number }[];
          if (mine[0]!.n !== 1) wrong.push(`server-tx/${i}`);
        });
      }
    })();
    await Promise.all([...viaSocket, inProcess]);
    expect(wrong).toEqual([]);
    expect(await count()).toBe(40 + 3 * 30);
  });

  it('closes a connection that sends garbage, and stays up', async () => {
    for (const garbage of [Buffer.from('GET / HTTP/1.1\r\n\r\n'), Buffer.from([0, 0, 0, 8, 0, 0, 0, 0]), Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4])]) {
      const s = connect(socket);
      s.on('error', () => undefined);
      s.resume(); // read the error answer, if any, or 'close' never comes
      await new Promise<void>((resolve) => {
        s.on('close', () => resolve());
        s.write(garbage);
      });
    }
    // A startup followed by a message of absurd length.
    const s = connect(socket);
    s.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => s.on('close', () => resolve()));
    s.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])); // SSLRequest
    const answer = await new Promise<Buffer>((resolve) => s.once('data', resolve));
    expect(answer.toString()).toBe('N');
    const user = Buffer.from('user\0postgres\0\0');
    const startup = Buffer.alloc(8 + user.length);
    startup.writeInt32BE(startup.length, 0);
    startup.writeInt32BE(196608, 4);
    user.copy(startup, 8);
    s.write(startup);
    await new Promise((resolve) => s.once('data', resolve));
    s.resume();
    s.write(Buffer.from([0x51, 0x7f, 0xff, 0xff, 0xff]));
    await closed;
    expect(await count()).toBe(0);
  });
});
