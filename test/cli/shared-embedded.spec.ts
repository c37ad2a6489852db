import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { buildInstall, removeInstall, run, runScript, startServer, type Install, type RunningServer } from '../helpers/build.js';
import { Browser, freePort } from '../helpers/live.js';

// The embedded database used by two processes: `npm start`'s server holds the directory and
// shares it on its Unix socket, and `npm run cli -- user add` (a process of its own) goes through
// it while the server is busy answering requests; the new account signs in at once. Then the
// server goes away (SIGTERM, SIGKILL) and the CLI opens the directory itself.

type Server = RunningServer;

describe('the admin CLI beside a server on the embedded database', () => {
  let install: Install;
  let work: string;
  let port: number;
  let config: string;
  let server: Server | undefined;
  const base = () => `https://localhost:${port}`;
  const pglite = () => join(work, 'data/pglite');

  const start = (): Promise<Server> => startServer(install, work, config);

  const cli = (args: string[], stdin = '') => run(process.execPath, [join(install.dir, 'dist/cli.js'), ...args], { cwd: work, env: install.env({ OPENID_PROVIDER_CONFIG: config }), stdin });

  async function signIn(username: string, password: string): Promise<{ status: number; location: unknown }> {
    const browser = new Browser();
    const form = await browser.request('GET', `${base()}/login`);
    expect(form.status).toBe(200);
    const res = await browser.submit(form, { username, password });
    return { status: res.status, location: res.headers.location };
  }

  beforeAll(async () => {
    install = buildInstall();
    work = mkdtempSync(join(tmpdir(), 'op-shared-cli-'));
    port = await freePort();
    const tls = inject('tls');
    config = join(work, 'op.yaml');
    writeFileSync(
      config,
      [
        'domains:',
        '  - name: localhost',
        `    base_url: https://localhost:${port}`,
        'server:',
        '  host: 127.0.0.1',
        `  port: ${port}`,
        `  tls: { cert: ${tls.cert}, key: ${tls.key} }`,
        'security:',
        '  password_hash: { memory_kib: 8192, time_cost: 1, parallelism: 1 }',
        // The load below must not throttle the real sign-ins from the same address.
        '  login_rate_limit: { max_attempts_per_account: 100000, max_attempts_per_address: 100000 }',
        `data_dir: ${join(work, 'data')}`,
        'database:',
        `  embedded_dir: ${join(work, 'data/pglite')}`,
        '',
      ].join('\n'),
    );
    server = await start();
  });

  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    removeInstall();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('tells, on a first start with no account, the exact command that creates one', async () => {
    // Logged after "listening", once the database said there is no account; lines reach stdout
    // within a quarter of a second (src/http/logger.ts bufferedStdout).
    await vi.waitFor(
      () =>
        expect(server!.log()).toContain(
          `"msg":"no account yet: create one with: echo 'a long passphrase' | OPENID_PROVIDER_CONFIG=${config} npm run cli -- user add romeo --domain localhost --password-stdin"`,
        ),
      { timeout: 5000, interval: 100 },
    );
    // Shared on an owner-only socket named in the lock file.
    const socket = join(pglite(), '.s.PGSQL.5432');
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(pglite(), 'openid-provider.lock'), 'utf8')).toBe(`${server!.child.pid}\n${socket}\n`);
  });

  it('adds a user while the server serves requests, and that user signs in at once', async () => {
    // Keep the server busy on the same database while the CLI works: failed logins write
    // throttling rows and audit events, in transactions.
    let stop = false;
    const busy = (async () => {
      let requests = 0;
      while (!stop && requests < 200) {
        expect((await signIn('nobody', 'wrong password')).status).toBe(401);
        requests++;
      }
      return requests;
    })();
    const added = await cli(['user', 'add', 'romeo', '--email', 'romeo@example.org', '--password-stdin'], 'a long passphrase\n');
    stop = true;
    expect(added).toEqual({ code: 0, out: `created romeo@localhost, identifier ${base()}/openid/romeo\n`, err: '' });
    expect(await busy).toBeGreaterThan(0);
    expect(await signIn('romeo', 'a long passphrase')).toEqual({ status: 303, location: `${base()}/openid/romeo` });
    const listed = await cli(['user', 'list']);
    expect(listed.out).toBe(`romeo@localhost\tactive\t${base()}/openid/romeo\tlocal\n`);
  });

  it('runs the migration commands through the server too', async () => {
    const shown = await runScript(install, 'migration:show', [], { OPENID_PROVIDER_CONFIG: config });
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toMatch(/\[X\] \d+ AddLoginApprovals1764400000000/);
    const up = await runScript(install, 'migration:run', [], { OPENID_PROVIDER_CONFIG: config });
    expect(up.code, up.err).toBe(0);
    expect(up.out).toContain('No migrations are pending');
  });

  it('refuses a second server on the same directory (exit code 3), and the first one goes on', async () => {
    const other = join(work, 'other.yaml');
    writeFileSync(other, readFileSync(config, 'utf8').replaceAll(String(port), String(await freePort())));
    const r = await run(process.execPath, [join(install.dir, 'dist/main.js')], { cwd: work, env: install.env({ OPENID_PROVIDER_CONFIG: other }) });
    expect(r.code).toBe(3);
    expect(r.err).toContain(`the embedded database in ${pglite()} is served by process ${server!.child.pid}`);
    expect(await signIn('romeo', 'a long passphrase')).toEqual({ status: 303, location: `${base()}/openid/romeo` });
  });

  it('after a SIGTERM, removes its socket and lock, and the CLI opens the directory itself', async () => {
    server!.child.kill('SIGTERM');
    expect(await server!.exited).toBe(0);
    expect(existsSync(join(pglite(), '.s.PGSQL.5432'))).toBe(false);
    expect(existsSync(join(pglite(), 'openid-provider.lock'))).toBe(false);
    expect(await cli(['user', 'add', 'juliet', '--password-stdin'], 'another passphrase')).toMatchObject({ code: 0, out: `created juliet@localhost, identifier ${base()}/openid/juliet\n` });
  });

  it('after a SIGKILL, the CLI takes the stale lock over, and the next server serves again; no hint once accounts exist', async () => {
    server = await start();
    // The hint would follow "listening" within the database's answer and the log's quarter of a
    // second: long enough a wait for its absence to mean something.
    await new Promise((r) => setTimeout(r, 1500));
    expect(server.log()).not.toContain('no account yet');
    server.child.kill('SIGKILL');
    await server.exited;
    // Lock and socket of a dead process are left behind.
    expect(existsSync(join(pglite(), '.s.PGSQL.5432'))).toBe(true);
    expect((await cli(['user', 'list'])).out).toContain('juliet@localhost\tactive');
    server = await start();
    expect(await signIn('juliet', 'another passphrase')).toEqual({ status: 303, location: `${base()}/openid/juliet` });
    expect((await cli(['user', 'disable', 'juliet'])).code).toBe(0);
    expect((await signIn('juliet', 'another passphrase')).status).toBe(401);
    // Two server starts and four CLI processes: 18 s on a loaded 2-core machine, over the default 30 s under more load.
  }, 90_000);
});
