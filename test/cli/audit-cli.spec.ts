import { randomInt } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { inject } from 'vitest';
import { AuditRepository } from '../../src/audit/audit.repository.js';
import { formatTable, parseAuditArgs, parseAuditTime } from '../../src/cli/audit-command.js';
import { runCli } from '../../src/cli/run-cli.js';
import { closeEmbedded } from '../../src/database/embedded.js';
import { UsersService } from '../../src/users/users.service.js';
import { Browser, startProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';

// `npm run cli -- audit` (issue 11 point 6) against the database a real provider wrote: events
// from real sign-ins over HTTPS, and older ones appended with their dates, then queried by user,
// domain, kind and time, as a table and as JSON lines.

const PASSWORD = 'wherefore art thou';
const HOUR = 3600_000;

async function cli(cwd: string, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    stdin: Readable.from([]),
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: { OPENID_PROVIDER_CONFIG: join(cwd, 'openid-provider.yaml') },
    cwd,
  });
  return { code, out, err };
}

describe('npm run cli -- audit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'op-audit-'));
  const url = inject('databaseUrl');
  const embedded = join(dir, 'pglite');
  const romeo = uniqueName('romeo');
  const juliet = uniqueName('juliet');
  // Unique per run: suites share one PostgreSQL database.
  const ip = `198.18.${randomInt(256)}.${randomInt(256)}`;
  const now = Date.now();

  beforeAll(async () => {
    writeFileSync(
      join(dir, 'openid-provider.yaml'),
      ['domains:', '  - name: localhost', '    base_url: https://localhost:8443', 'database:', url ? `  url: ${url}` : `  embedded_dir: ${embedded}`].join('\n') + '\n',
    );
    const op = await startProvider({ database: url ? {} : { embedded_dir: embedded } });
    try {
      const users = op.app.get(UsersService);
      await users.create({ domain: 'localhost', username: romeo, password: PASSWORD });
      const julietId = (await users.create({ domain: 'localhost', username: juliet, password: PASSWORD })).id;
      // A wrong password, then the right one: login_failed, then login_succeeded, by the real flow.
      const browser = new Browser({ 'user-agent': 'audit-cli-spec' });
      const failed = await browser.submit(await browser.request('GET', `${op.base}/login`), { username: romeo, password: 'not the password' });
      expect(failed.status).toBe(401);
      const signedIn = await browser.submit(await browser.request('GET', `${op.base}/login`), { username: romeo, password: PASSWORD });
      expect([302, 303]).toContain(signedIn.status);
      // Older history, with its dates (the service stamps its own clock).
      const base = { realm: null, userAgent: null };
      await op.app.get(AuditRepository, { strict: false }).appendMany([
        { ...base, kind: 'trust_revoked', domain: 'localhost', userId: julietId, realm: 'https://rp.example/', ip: '192.0.2.1', createdAt: new Date(now - 72 * HOUR) },
        { ...base, kind: 'session_revoked', domain: 'localhost', userId: julietId, ip: '192.0.2.1', createdAt: new Date(now - 48 * HOUR) },
        { ...base, kind: 'logout', domain: 'localhost', userId: julietId, ip: '192.0.2.1', createdAt: new Date(now - 24 * HOUR) },
        // A client's own text: control characters and a bidirectional override must not reach the terminal.
        { ...base, kind: 'checkid_rate_limited', domain: 'localhost', userId: null, ip, userAgent: 'evil\u001b[2J\u202Eagent', createdAt: new Date(now - 2 * HOUR) },
      ]);
    } finally {
      await op.close();
    }
  });
  afterAll(() => closeEmbedded());

  it('lists an account\'s recent events as a table, newest first', async () => {
    const r = await cli(dir, ['audit', '--user', romeo, '--since', '1h']);
    expect(r).toMatchObject({ code: 0, err: '' });
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+KIND\s+USER\s+IP\s+REALM \/ USER AGENT$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[1])).toEqual(['login_succeeded', 'login_failed']);
    expect(lines[1]).toContain(`${romeo}@localhost`);
    expect(lines[1]).toContain('audit-cli-spec');
  });

  it('writes JSON lines with --json, and filters by time window, kind and limit', async () => {
    const all = await cli(dir, ['audit', '--user', `${juliet}@localhost`, '--json']);
    expect(all.code).toBe(0);
    const events = all.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e['kind'])).toEqual(['logout', 'session_revoked', 'trust_revoked']);
    expect(events[2]).toEqual({ time: new Date(now - 72 * HOUR).toISOString(), kind: 'trust_revoked', domain: 'localhost', user: juliet, ip: '192.0.2.1', realm: 'https://rp.example/', userAgent: null });
    const window = await cli(dir, ['audit', '--user', juliet, '--since', '60h', '--until', new Date(now - 36 * HOUR).toISOString(), '--json']);
    expect(window.out.trimEnd().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind)).toEqual(['session_revoked']);
    const kinds = await cli(dir, ['audit', '--user', juliet, '--kind', 'logout,trust_revoked', '--json']);
    expect(kinds.out.trimEnd().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind)).toEqual(['logout', 'trust_revoked']);
    const one = await cli(dir, ['audit', '--user', juliet, '--limit', '1', '--json']);
    expect(one.out.trimEnd().split('\n')).toHaveLength(1);
    const none = await cli(dir, ['audit', '--user', juliet, '--since', '1h']);
    expect(none).toEqual({ code: 0, out: '', err: 'no matching events\n' });
  });

  it('shows events without an account (rate limits) by domain and kind, control characters neutralised', async () => {
    const json = await cli(dir, ['audit', '--domain', 'localhost', '--kind', 'checkid_rate_limited', '--since', '3h', '--json']);
    const mine = json.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e['ip'] === ip);
    expect(mine).toEqual([expect.objectContaining({ user: null, kind: 'checkid_rate_limited', userAgent: 'evil\u001b[2J\u202Eagent' })]);
    const table = await cli(dir, ['audit', '--domain', 'localhost', '--kind', 'checkid_rate_limited', '--since', '3h']);
    const row = table.out.split('\n').find((l) => l.includes(ip))!;
    expect(row).toContain('evil\uFFFD[2J\uFFFDagent');
    expect(table.out.includes('\u001b') || table.out.includes('\u202E')).toBe(false);
  });

  it('refuses bad options with exit code 2 and an unknown account with 1', async () => {
    expect(await cli(dir, ['audit', '--kind', 'nope'])).toMatchObject({ code: 2, err: expect.stringContaining('unknown --kind nope') });
    expect(await cli(dir, ['audit', '--since', 'yesterday'])).toMatchObject({ code: 2, err: expect.stringContaining('--since expects a time ago') });
    expect(await cli(dir, ['audit', '--limit', '0'])).toMatchObject({ code: 2, err: expect.stringContaining('--limit expects a whole number') });
    expect(await cli(dir, ['audit', '--since', '1h', '--until', '2h'])).toMatchObject({ code: 2, err: expect.stringContaining('--since must be before --until') });
    expect(await cli(dir, ['audit', '--password', 'x'])).toMatchObject({ code: 2, err: expect.stringContaining("Unknown option '--password'") });
    expect(await cli(dir, ['audit', '--user', uniqueName('ghost')])).toEqual({ code: 1, out: '', err: expect.stringMatching(/^error: no account ghost-[0-9a-f]+@localhost\n$/) });
  });
});

describe('audit CLI parsing and table', () => {
  const now = new Date('2026-12-02T12:00:00Z');
  it('reads times ago and ISO 8601 dates, nothing else', () => {
    expect(parseAuditTime('90s', now, 'since')).toEqual(new Date('2026-12-02T11:58:30Z'));
    expect(parseAuditTime('2h', now, 'since')).toEqual(new Date('2026-12-02T10:00:00Z'));
    expect(parseAuditTime('1d', now, 'since')).toEqual(new Date('2026-12-01T12:00:00Z'));
    expect(parseAuditTime('2w', now, 'since')).toEqual(new Date('2026-11-18T12:00:00Z'));
    expect(parseAuditTime('2026-11-30', now, 'since')).toEqual(new Date('2026-11-30T00:00:00Z'));
    expect(parseAuditTime('2026-11-30T08:15:00+01:00', now, 'until')).toEqual(new Date('2026-11-30T07:15:00Z'));
    for (const bad of ['', '1y', 'March 7', '2026-13-45', '-1h', '1 h']) expect(() => parseAuditTime(bad, now, 'since')).toThrow(/--since expects/);
  });

  it('takes --user as a name with --domain or as user@domain, and --kind repeated or comma-separated', () => {
    expect(parseAuditArgs(['--user', 'Romeo@Montague.lit', '--kind', 'logout', '--kind', 'login_failed,login_succeeded'], now)).toEqual({
      user: { username: 'romeo', domain: 'montague.lit' },
      kinds: ['logout', 'login_failed', 'login_succeeded'],
      limit: 100,
      json: false,
    });
    expect(parseAuditArgs(['--user', 'romeo', '--domain', 'montague.lit', '--json'], now)).toMatchObject({ user: { username: 'romeo', domain: 'montague.lit' }, domain: 'montague.lit', json: true });
    expect(() => parseAuditArgs(['--user', 'romeo@capulet.lit', '--domain', 'montague.lit'], now)).toThrow(/not an account of --domain/);
    expect(() => parseAuditArgs(['extra'], now)).toThrow(/no positional argument/);
  });

  it('aligns the columns of the table', () => {
    const out = formatTable([
      { time: '2026-12-02T10:00:00.000Z', kind: 'logout', domain: 'm.lit', user: 'romeo', ip: '192.0.2.1', realm: null, userAgent: 'Firefox' },
      { time: '2026-12-02T09:00:00.000Z', kind: 'associate_rate_limited', domain: 'm.lit', user: null, ip: null, realm: null, userAgent: null },
    ]);
    expect(out).toBe(
      [
        'TIME                      KIND                    USER         IP         REALM / USER AGENT',
        '2026-12-02T10:00:00.000Z  logout                  romeo@m.lit  192.0.2.1  Firefox',
        '2026-12-02T09:00:00.000Z  associate_rate_limited  -            -          -',
        '',
      ].join('\n'),
    );
  });
});
