import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { inject } from 'vitest';
import { buildInstall, removeInstall, startServer, type Install, type RunningServer } from '../helpers/build.js';
import { freePort } from '../helpers/ports.js';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';
import { NS, rawGet, until } from './helpers.js';

// SIGTERM under load, on the built provider started as an operator starts it (node dist/main.js):
// requests in flight complete (their answers arrive whole, nothing is reset), new connections are
// refused or closed cleanly, and the process exits 0 within server.shutdown_grace; alone on the
// embedded database, and as a primary with two cluster workers on PostgreSQL (src/cluster.ts).
// "In flight" is made certain rather than hoped for: requests whose body is still being sent
// when the signal arrives, finished only afterwards.

const GRACE_S = 10;
const CONCURRENCY = 4;

const listening = (log: string): number => log.split('\n').filter((line) => line.includes('"msg":"openid-provider listening"')).length;

/** An associate POST over its own TLS connection: headers and half the body now, the rest when told. */
function slowAssociate(port: number): { sent: Promise<void>; finish: () => void; answer: Promise<string> } {
  const body = new URLSearchParams({ 'openid.ns': NS, 'openid.mode': 'associate', 'openid.assoc_type': 'HMAC-SHA256', 'openid.session_type': 'no-encryption' }).toString();
  const half = Math.floor(body.length / 2);
  const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost' });
  let finish!: () => void;
  const finishing = new Promise<void>((resolve) => (finish = resolve));
  const sent = new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => {
      socket.write(`POST /openid HTTP/1.1\r\nHost: localhost:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, half)}`, () => resolve());
    });
    socket.once('error', reject);
  });
  void finishing.then(() => socket.write(body.slice(half)));
  const answer = new Promise<string>((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8').on('data', (c: string) => (text += c));
    socket.on('end', () => resolve(text));
    socket.on('error', (e) => reject(new Error(`in-flight request failed: ${(e as NodeJS.ErrnoException).code ?? e.message} after ${JSON.stringify(text)}`)));
  });
  return { sent, finish, answer };
}

describe('SIGTERM under load (the built provider as a process)', () => {
  let install: Install;
  let work: string;
  let cluster: PrivatePostgres | undefined;
  beforeAll(() => {
    install = buildInstall();
    work = mkdtempSync(join(tmpdir(), 'op-sigterm-'));
  }, 180_000);
  afterAll(() => {
    cluster?.dispose();
    rmSync(work, { recursive: true, force: true });
    removeInstall();
  });

  async function start(port: number, database: string, workers: number): Promise<RunningServer> {
    const config = join(work, `op-${port}.yaml`);
    writeFileSync(
      config,
      `domains:
  - name: localhost
    base_url: https://localhost:${port}
server:
  host: 127.0.0.1
  port: ${port}
  tls: { cert: ${inject('tls').cert}, key: ${inject('tls').key} }
  workers: ${workers}
  shutdown_grace: ${GRACE_S}s
${database}
data_dir: ${work}/data-${port}
`,
    );
    return startServer(install, work, config, (log) => listening(log) === workers);
  }

  async function underLoad(server: RunningServer, port: number): Promise<void> {
    const base = `https://localhost:${port}`;
    const urls = [`${base}/healthz`, `${base}/openid`, `${base}/login`, `${base}/readyz`];
    type Result = { at: number; url: string; outcome: { status: number; body: string } | { error: string } };
    const results: Result[] = [];
    let running = true;
    const t0 = Date.now();
    const loop = async (index: number): Promise<void> => {
      for (let i = index; running; i += 1) {
        const url = urls[i % urls.length]!;
        const at = Date.now() - t0;
        results.push({ at, url, outcome: await rawGet(url, 20_000) });
        if ('error' in results.at(-1)!.outcome) await new Promise((r) => setTimeout(r, 20));
      }
    };
    const load = Array.from({ length: CONCURRENCY }, (_, i) => loop(i));
    // Requests the server is still receiving when the signal comes.
    const slow = Array.from({ length: 3 }, () => slowAssociate(port));
    await Promise.all(slow.map((s) => s.sent));
    await new Promise((r) => setTimeout(r, 2000));
    const signalledAt = Date.now() - t0;
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    // Still shutting down (the slow requests hold it): a new connection is refused, or answered 503 and closed.
    const late = await rawGet(`${base}/healthz`, 5_000);
    if ('error' in late) expect(late.error).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up/);
    else expect(late.status).toBe(503);
    for (const s of slow) s.finish();
    const answers = await Promise.all(slow.map((s) => s.answer));
    for (const answer of answers) {
      // The whole answer: status line, and the key-value body with the association (§8.2).
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(answer).toMatch(/\r\n\r\nns:http:\/\/specs\.openid\.net\/auth\/2\.0\nassoc_handle:[^\n]+\n/);
    }
    const code = await Promise.race([server.exited, new Promise<'late'>((r) => setTimeout(() => r('late'), (GRACE_S + 10) * 1000))]);
    const exitedAfter = Date.now() - t0 - signalledAt;
    running = false;
    await Promise.all(load);
    process.stderr.write(`[sigterm] signalled at ${signalledAt} ms, exited ${exitedAfter} ms later, ${results.length} requests\n`);
    expect(code, server.log().slice(-2000)).toBe(0);
    expect(exitedAfter).toBeLessThan(GRACE_S * 1000 + 5000);
    // The load: served before the signal; every answer whole (a status); failures only on
    // connections made after the signal (refused, or closed before a request was read).
    const before = results.filter((r) => r.at < signalledAt - 1000);
    expect(before.length).toBeGreaterThan(CONCURRENCY * 2);
    for (const r of before) expect(r.outcome, `${r.url} at ${r.at} ms`).toHaveProperty('status');
    for (const r of results) {
      if ('error' in r.outcome) {
        expect(r.at, `${r.url} failed with ${r.outcome.error}`).toBeGreaterThan(signalledAt - 1000);
        expect(r.outcome.error).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up/);
      } else expect([200, 503], `${r.url}: ${r.outcome.body.slice(0, 200)}`).toContain(r.outcome.status);
    }
    expect(results.filter((r) => 'status' in r.outcome && r.outcome.status === 200).length).toBeGreaterThan(0);
    expect(server.log()).toContain('"msg":"shutting down: finishing in-flight requests"');
    expect(server.log()).not.toContain('shutdown grace period over');
  }

  it('finishes in-flight requests and exits 0: one process on the embedded database', async () => {
    const port = await freePort();
    const server = await start(port, `database:\n  embedded_dir: ${work}/pglite-${port}`, 1);
    await underLoad(server, port);
    expect(server.log()).toContain('"msg":"stopped"');
  }, 120_000);

  // The process itself, not only the app in a test process: a pg connection dying under it
  // (pg emits 'error', which kills a process that has no listener) is logged, not fatal.
  it('survives PostgreSQL stopping under it (private cluster): logs it, answers 503, recovers, still stops cleanly', async () => {
    const own = await startPrivatePostgres();
    try {
      const port = await freePort();
      const base = `https://localhost:${port}`;
      const server = await start(port, `database:\n  url: ${own.url}\n  connect_timeout: 2s`, 1);
      for (let i = 0; i < 5; i += 1) expect(await rawGet(`${base}/readyz`, 10_000)).toMatchObject({ status: 200 });
      own.stop('fast');
      const statusOf = async (url: string): Promise<number> => {
        const r = await rawGet(url, 10_000);
        return 'status' in r ? r.status : 0;
      };
      await until('/readyz 503', async () => (await statusOf(`${base}/readyz`)) === 503, 15_000);
      expect(await rawGet(`${base}/healthz`, 10_000)).toMatchObject({ status: 200 });
      const refused = await rawGet(`${base}/openid/romeo`, 10_000);
      expect(refused).toMatchObject({ status: 503 });
      expect(JSON.parse((refused as { body: string }).body)).toMatchObject({ code: 'database_unavailable' });
      own.start();
      await until('/readyz 200 again', async () => (await statusOf(`${base}/readyz`)) === 200, 30_000, 250);
      expect(server.child.exitCode).toBeNull();
      expect(server.log()).toContain('an idle database connection failed (57P01');
      expect(server.log()).toContain('"msg":"request failed: database unavailable"');
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      own.dispose();
    }
  }, 120_000);

  it('finishes in-flight requests and exits 0: a primary with two workers on PostgreSQL', async () => {
    let url = inject('databaseUrl');
    if (url === null) {
      cluster = await startPrivatePostgres();
      url = cluster.url;
    }
    const port = await freePort();
    const server = await start(port, `database:\n  url: ${url}`, 2);
    await underLoad(server, port);
    expect(server.log()).toContain('"msg":"all workers stopped"');
    expect(server.log()).not.toContain('worker exited: restarting it');
  }, 150_000);
});
