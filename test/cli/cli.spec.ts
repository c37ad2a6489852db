import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { inject } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { closeEmbedded } from '../../src/database/embedded.js';
import { uniqueName } from '../helpers/test-app.js';

// The admin CLI of DESIGN.md, run in-process against the run's database with a real config file.

/** `xmpp`: the domains whose accounts are checked by an XMPP server (never asked here). */
function workspace(domains: string[], xmpp: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'op-cli-'));
  const url = inject('databaseUrl');
  const yaml = [
    'domains:',
    ...domains.flatMap((d) => [`  - name: ${d}`, `    base_url: https://${d}`, ...(xmpp.includes(d) ? ['    accounts: xmpp', `    xmpp: { server: 'xmpp://xmpp.${d}:5222' }`] : [])]),
    'security:',
    '  password_hash: { memory_kib: 8192, time_cost: 1, parallelism: 1 }',
    'database:',
    url ? `  url: ${url}` : `  embedded_dir: ${join(dir, 'pglite')}`,
  ].join('\n');
  writeFileSync(join(dir, 'openid-provider.yaml'), `${yaml}\n`);
  return dir;
}

async function cli(cwd: string, argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    stdin: Readable.from(stdin === '' ? [] : [Buffer.from(stdin)]),
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: { OPENID_PROVIDER_CONFIG: join(cwd, 'openid-provider.yaml') },
    cwd,
  });
  return { code, out, err };
}

describe('npm run cli -- user …', () => {
  const one = workspace(['montague.lit']);
  const two = workspace(['montague.lit', 'capulet.lit']);
  afterAll(() => closeEmbedded());

  it('adds a user with the password from stdin and lists it with its identifier', async () => {
    const name = uniqueName('romeo');
    const added = await cli(one, ['user', 'add', name, '--email', 'romeo@montague.lit', '--fullname', 'Romeo Montague', '--phone', '+39 045 123 4567', '--password-stdin'], 'wherefore art thou\n');
    expect(added).toEqual({ code: 0, out: `created ${name}@montague.lit, identifier https://montague.lit/openid/${name}\n`, err: '' });
    const listed = await cli(one, ['user', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`${name}@montague.lit\tactive\thttps://montague.lit/openid/${name}\tlocal\n`);
    const json = await cli(one, ['user', 'list', '--json']);
    const entry = (JSON.parse(json.out) as { username: string; email: string; passwordHash?: string }[]).find((u) => u.username === name);
    expect(entry).toMatchObject({ username: name, email: 'romeo@montague.lit', fullname: 'Romeo Montague', phone: '+390451234567', disabled: false, identifier: `https://montague.lit/openid/${name}` });
    expect(json.out).not.toMatch(/argon2|password/i);
  });

  it('refuses a phone number that is not in international format, naming the field', async () => {
    expect(await cli(one, ['user', 'add', uniqueName(), '--phone', '045 123 4567', '--password-stdin'], 'good password')).toEqual({
      code: 1,
      out: '',
      err: 'error: phone: must be in international format: + and the country code, e.g. +33 1 23 45 67 89\n',
    });
  });

  it('changes a password, disables, enables and removes', async () => {
    const name = uniqueName();
    expect((await cli(one, ['user', 'add', name, '--password-stdin'], 'first password')).code).toBe(0);
    expect(await cli(one, ['user', 'passwd', name, '--password-stdin'], 'second password\r\n')).toEqual({ code: 0, out: `password changed for ${name}@montague.lit\n`, err: '' });
    expect(await cli(one, ['user', 'disable', name])).toEqual({ code: 0, out: `disabled ${name}@montague.lit\n`, err: '' });
    expect((await cli(one, ['user', 'list'])).out).toContain(`${name}@montague.lit\tdisabled`);
    expect((await cli(one, ['user', 'enable', name])).code).toBe(0);
    expect(await cli(one, ['user', 'remove', name])).toEqual({ code: 0, out: `removed ${name}@montague.lit\n`, err: '' });
    expect((await cli(one, ['user', 'list'])).out).not.toContain(`${name}@`);
  });

  it('never takes a password from the command line', async () => {
    const r = await cli(one, ['user', 'add', uniqueName(), '--password', 'secret123']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("Unknown option '--password'");
    const missing = await cli(one, ['user', 'add', uniqueName()]);
    expect(missing).toMatchObject({ code: 2, err: expect.stringContaining('needs --password-stdin') });
    const empty = await cli(one, ['user', 'add', uniqueName(), '--password-stdin'], '');
    expect(empty).toMatchObject({ code: 2, err: 'no password on standard input\n' });
    const twoLines = await cli(one, ['user', 'add', uniqueName(), '--password-stdin'], 'one\ntwo\n');
    expect(twoLines).toMatchObject({ code: 2, err: '--password-stdin expects a single line\n' });
  });

  it('fails clearly, with non-zero codes, on duplicates, unknown domains, bad names and unknown users', async () => {
    const name = uniqueName();
    expect((await cli(one, ['user', 'add', name, '--password-stdin'], 'good password')).code).toBe(0);
    expect(await cli(one, ['user', 'add', name.toUpperCase(), '--password-stdin'], 'good password')).toEqual({ code: 1, out: '', err: `error: ${name}@montague.lit already exists\n` });
    expect(await cli(one, ['user', 'add', 'x', '--domain', 'nowhere.lit', '--password-stdin'], 'good password')).toEqual({ code: 1, out: '', err: 'error: nowhere.lit is not a domain served by this provider\n' });
    expect(await cli(one, ['user', 'add', 'ro meo', '--password-stdin'], 'good password')).toMatchObject({ code: 1, err: expect.stringContaining('invalid username') });
    expect(await cli(one, ['user', 'add', 'juliet@capulet.lit', '--password-stdin'], 'good password')).toMatchObject({ code: 1, err: expect.stringContaining('"@" is not allowed') });
    expect(await cli(one, ['user', 'add', uniqueName(), '--password-stdin'], 'short')).toEqual({ code: 1, out: '', err: 'error: a password needs at least 8 characters\n' });
    expect(await cli(one, ['user', 'remove', uniqueName('ghost')])).toEqual({ code: 1, out: '', err: 'error: There is no such account\n' });
    expect(await cli(one, ['user', 'frobnicate', 'x'])).toMatchObject({ code: 2, err: expect.stringContaining('unknown command: user frobnicate') });
    expect(await cli(one, ['user', 'list', '--email', 'x'])).toMatchObject({ code: 2, err: expect.stringContaining('does not take --email') });
  });

  it('asks which domain when several are configured', async () => {
    const name = uniqueName('juliet');
    expect(await cli(two, ['user', 'add', name, '--password-stdin'], 'good password')).toMatchObject({ code: 2, err: expect.stringContaining('say which with --domain') });
    expect((await cli(two, ['user', 'add', name, '--domain', 'capulet.lit', '--password-stdin'], 'good password')).out).toBe(`created ${name}@capulet.lit, identifier https://capulet.lit/openid/${name}\n`);
    expect((await cli(two, ['user', 'list', '--domain', 'capulet.lit'])).out).toContain(`${name}@capulet.lit`);
  });

  it('refuses user add and user passwd on an accounts: xmpp domain, and lists the kind of each account', async () => {
    const mixed = workspace(['montague.lit', 'verona.lit'], ['verona.lit']);
    const name = uniqueName('mercutio');
    const add = await cli(mixed, ['user', 'add', name, '--domain', 'verona.lit', '--password-stdin'], 'good password');
    expect(add).toMatchObject({ code: 1, out: '' });
    expect(add.err).toContain('verona.lit has accounts: xmpp: its XMPP server checks the passwords');
    expect(await cli(mixed, ['user', 'passwd', name, '--domain', 'verona.lit', '--password-stdin'], 'good password')).toMatchObject({ code: 1, err: expect.stringContaining('accounts: xmpp') });
    expect((await cli(mixed, ['user', 'add', name, '--domain', 'montague.lit', '--password-stdin'], 'good password')).code).toBe(0);
    const listed = await cli(mixed, ['user', 'list', '--domain', 'montague.lit']);
    expect(listed.out).toContain(`${name}@montague.lit\tactive\thttps://montague.lit/openid/${name}\tlocal\n`);
  });

  it('stops on a bad configuration file, naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-cli-'));
    writeFileSync(join(dir, 'openid-provider.yaml'), 'domains:\n  - name: a.lit\n    base_url: https://a.lit\n    baseurl: x\n');
    const r = await cli(dir, ['user', 'list']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('domains.0.baseurl: unknown option');
  });
});
