import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { buildInstall, removeInstall, startServer, type Install, type RunningServer } from '../helpers/build.js';
import { Browser, freePort } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';
import { NS_HTTP_AUTH } from '../../src/xmpp/http-auth.js';
import { element, firstChild } from '../../src/xmpp/xml-node.js';
import { chatApp, secretFile } from '../xmpp/bot-harness.js';
import { capturedConnector, nextStanza } from '../xmpp/fixtures.js';
import { HOSTS, startProsody } from '../xmpp/prosody.js';

// `npm start` as an operator runs it: on PostgreSQL, server.workers processes (node:cluster)
// share the listener; a worker that dies is replaced; SIGTERM stops them all cleanly. On the
// embedded database there is one process whatever the setting, and the log says so.

/** One connection per request, so that the primary hands them to the workers in turn. */
const CLOSE = { connection: 'close' };

type Started = RunningServer;

const listening = (log: string): { worker?: number; pid: number }[] =>
  log
    .split('\n')
    .filter((line) => line.includes('"msg":"openid-provider listening"'))
    .map((line) => JSON.parse(line) as { worker?: number; pid: number });

describe('worker processes', () => {
  let install: Install;
  let work: string;
  beforeAll(() => {
    install = buildInstall();
    work = mkdtempSync(join(tmpdir(), 'op-workers-'));
  }, 120_000);
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    removeInstall();
  });

  function start(yaml: string, ready: (log: string) => boolean): Promise<Started> {
    const config = join(work, `op-${Date.now()}.yaml`);
    writeFileSync(config, yaml);
    return startServer(install, work, config, ready);
  }

  // The suites' test certificate (global set-up), trusted by Browser, and their operator key file:
  // the run's PostgreSQL database holds rows sealed under it.
  const yaml = (port: number, database: string) => `domains:
  - name: localhost
    base_url: https://localhost:${port}
server:
  host: 127.0.0.1
  port: ${port}
  tls: { cert: ${inject('tls').cert}, key: ${inject('tls').key} }
  workers: 2
${database}
data_dir: ${work}/data
secrets:
  key_file: ${inject('operatorKeyFile')}
`;

  it.runIf(inject('databaseUrl') !== null)('runs two workers on PostgreSQL, replaces one that dies, stops all on SIGTERM', async () => {
    const port = await freePort();
    const server = await start(yaml(port, `database:\n  url: ${inject('databaseUrl')}`), (log) => listening(log).length === 2);
    const workers = listening(server.log());
    expect(workers.map((w) => w.worker).sort()).toEqual([0, 1]);
    expect(new Set(workers.map((w) => w.pid)).size).toBe(2);
    // Both answer requests on the one port (the kernel spreads the connections).
    for (let i = 0; i < 20; i += 1) expect((await new Browser(CLOSE).request('GET', `https://localhost:${port}/readyz`)).status).toBe(200);
    // A worker killed outright is restarted under the same index, with a new process.
    const victim = workers.find((w) => w.worker === 1)!;
    process.kill(victim.pid, 'SIGKILL');
    await vi.waitFor(() => expect(listening(server.log()).filter((w) => w.worker === 1)).toHaveLength(2), { timeout: 60_000, interval: 100 });
    expect(server.log()).toContain('"msg":"worker exited: restarting it"');
    expect(listening(server.log()).at(-1)!.pid).not.toBe(victim.pid);
    expect((await new Browser(CLOSE).request('GET', `https://localhost:${port}/readyz`)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.log()).toContain('"msg":"all workers stopped"');
  }, 150_000);

  it.runIf(inject('databaseUrl') !== null)('answers /metrics with the sum of every worker, whichever worker takes the scrape', async () => {
    const port = await freePort();
    const server = await start(yaml(port, `database:\n  url: ${inject('databaseUrl')}`), (log) => listening(log).length === 2);
    try {
      const base = `https://localhost:${port}`;
      for (let i = 0; i < 20; i += 1) expect((await new Browser(CLOSE).request('GET', `${base}/healthz`)).status).toBe(200);
      // Both workers served some of them (the access log names the worker; its lines reach
      // stdout within a quarter of a second, src/http/logger.ts bufferedStdout).
      const workersOf = (route: string): Set<number> =>
        new Set(
          server
            .log()
            .split('\n')
            .filter((l) => l.includes(`"route":"${route}"`))
            .map((l) => (JSON.parse(l) as { worker: number }).worker),
        );
      await vi.waitFor(() => expect(workersOf('/healthz')).toEqual(new Set([0, 1])), { timeout: 5000, interval: 100 });
      const value = (text: string, series: string): number | undefined => {
        const line = text.split('\n').find((l) => l.startsWith(`${series} `));
        return line === undefined ? undefined : Number(line.slice(series.length + 1));
      };
      for (let i = 0; i < 6; i += 1) {
        const scrape = await new Browser(CLOSE).request('GET', `${base}/metrics`);
        expect(scrape.status).toBe(200);
        expect(scrape.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
        // The same totals from either worker: the 20 liveness checks, both workers, one database verdict.
        expect(value(scrape.body, 'http_requests_total{method="GET",route="/healthz",status_code="200"}')).toBe(20);
        expect(value(scrape.body, 'openid_metrics_workers_reporting')).toBe(2);
        expect(value(scrape.body, 'openid_metrics_workers')).toBe(2);
        expect(value(scrape.body, 'database_ready')).toBe(1);
      }
      await vi.waitFor(() => expect(workersOf('/metrics')).toEqual(new Set([0, 1])), { timeout: 5000, interval: 100 });
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  }, 150_000);

  it.runIf(inject('databaseUrl') !== null)('keeps the OpenID bot in worker 0 and lets every worker use it (approval from the chat app)', async () => {
    const password = 'wherefore-art-thou';
    const user = uniqueName('juliet');
    const prosody = await startProsody({ accounts: [{ user, password }] });
    const { connector } = capturedConnector();
    const app = chatApp(connector, prosody, user, password);
    const port = await freePort();
    let server: Started | undefined;
    try {
      app.start();
      await app.waitOnline(5000);
      const xmpp = `    accounts: xmpp
    xmpp:
      server: ${prosody.c2s}
      ca_file: ${prosody.caFile}
      bot: { component: ${HOSTS.component}, service: ${prosody.componentService}, secret_file: ${secretFile()} }
      approval: { max_per_address: 1000 }
`;
      // (The per-address flood limit counts this domain's approvals from 127.0.0.1 in the last
      // minute on the shared PostgreSQL database, other suites' included: not what is tested here.)
      const config = yaml(port, `database:\n  url: ${inject('databaseUrl')}`).replace(`    base_url: https://localhost:${port}\n`, `    base_url: https://localhost:${port}\n${xmpp}`);
      server = await start(config, (log) => listening(log).length === 2);
      // Both workers report the bot online (worker 1 from worker 0's reports).
      const base = `https://localhost:${port}`;
      await vi.waitFor(
        async () => {
          for (let i = 0; i < 6; i += 1) expect((await new Browser(CLOSE).request('GET', `${base}/readyz`)).body).toContain('"state":"online"');
        },
        { timeout: 20_000, interval: 200 },
      );
      // Approvals started on either worker (the primary hands connections round-robin) all go out
      // through worker 0's link, and the answer, received by worker 0, signs in on either.
      // Which worker gets a connection depends on how many came before (round-robin): go on
      // (with one extra request per round to change the parity) until both have started one.
      const loginPosts = (): string[] =>
        server!
          .log()
          .split('\n')
          .filter((l) => l.includes('"method":"POST"') && l.includes('"route":"/login"'));
      const startedOn = (): Set<number> => new Set(loginPosts().map((l) => (JSON.parse(l) as { worker: number }).worker));
      for (let round = 0; round < 12 && (round < 2 || startedOn().size < 2); round += 1) {
        if (round % 2 === 1) await new Browser(CLOSE).request('GET', `${base}/readyz`);
        const browser = new Browser(CLOSE);
        const login = await browser.request('GET', `${base}/login`);
        const confirm = nextStanza(app, (st) => st.name === 'message' && firstChild(st, 'confirm', NS_HTTP_AUTH) !== undefined, 10_000);
        const posted = await browser.submit(login, { username: user, method: 'xmpp' });
        expect(posted.status, posted.body).toBe(303);
        const waiting = new URL(String(posted.headers.location), base).toString();
        const code = firstChild(await confirm, 'confirm', NS_HTTP_AUTH)!.attrs['id']!;
        await app.send(element('message', { type: 'chat', to: HOSTS.component }, element('body', {}, `yes ${code}`)));
        // The waiting page (reloaded as its meta refresh does) until it stops waiting: signed in.
        let page = await browser.request('GET', waiting);
        for (let i = 0; i < 100 && page.status === 200 && page.body.includes('http-equiv="refresh"'); i += 1) {
          await new Promise((r) => setTimeout(r, 100));
          page = await browser.request('GET', waiting);
        }
        expect(page.status, page.body.slice(0, 500)).toBe(302);
        expect(page.headers.location).toBe(`${base}/openid/${user}`);
        // This round's access line reaches stdout within a quarter of a second (bufferedStdout,
        // src/http/logger.ts): read before it, the loop would take another round for nothing.
        await vi.waitFor(() => expect(loginPosts().length).toBeGreaterThanOrEqual(round + 1), { timeout: 5000, interval: 50 });
      }
      expect(startedOn()).toEqual(new Set([0, 1]));
    } finally {
      server?.child.kill('SIGTERM');
      if (server) expect(await server.exited).toBe(0);
      await app.stop();
      await prosody.dispose();
    }
  }, 150_000);

  it('serves from one process on the embedded database, and says so', async () => {
    const port = await freePort();
    const server = await start(yaml(port, `database:\n  embedded_dir: ${work}/pglite-${port}`), (log) => listening(log).length === 1);
    expect(server.log()).toContain('embedded database: one process serves every request');
    expect(listening(server.log())[0]!.worker).toBeUndefined();
    expect(server.log()).not.toContain('primary process supervising');
    expect((await new Browser(CLOSE).request('GET', `https://localhost:${port}/readyz`)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 120_000);
});
