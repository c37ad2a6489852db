import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { inject } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { closeEmbedded } from '../../src/database/embedded.js';
import { readKeyFile } from '../../src/secrets/key-file.js';

// `npm run cli -- keys list|rotate|remove` and `association revoke`, run in-process against a
// real config file and database (the run's PostgreSQL, or an embedded one of its own).

function workspace(extra: string[] = []): { dir: string; keyFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'op-keys-cli-'));
  const keyFile = join(dir, 'keys', 'operator.keys');
  const url = inject('databaseUrl');
  const yaml = [
    'domains:',
    '  - name: montague.lit',
    '    base_url: https://montague.lit',
    'database:',
    url ? `  url: ${url}` : `  embedded_dir: ${join(dir, 'pglite')}`,
    'secrets:',
    `  key_file: ${keyFile}`,
    ...extra,
  ].join('\n');
  writeFileSync(join(dir, 'openid-provider.yaml'), `${yaml}\n`);
  return { dir, keyFile };
}

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

describe('npm run cli -- keys …', () => {
  const { dir, keyFile } = workspace();
  afterAll(() => closeEmbedded());

  it('rotate creates the key file (mode 0600, written atomically), then adds a key that becomes the active one; list shows ids, dates and rows; remove drops an unused old key', async () => {
    expect(existsSync(keyFile)).toBe(false);
    const first = await cli(dir, ['keys', 'rotate']);
    expect(first).toMatchObject({ code: 0, out: expect.stringMatching(/^added key \S+ to .*: it is now the active key/) });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const [k1] = readKeyFile(keyFile).keys;
    // No key material on the terminal.
    expect(first.out + first.err).not.toContain(k1!.key.toString('base64'));

    const second = await cli(dir, ['keys', 'rotate']);
    expect(second.code).toBe(0);
    const keys = readKeyFile(keyFile).keys;
    expect(keys.map((k) => k.id)).toEqual([k1!.id, expect.not.stringMatching(k1!.id)]);
    expect(keys[0]!.key.equals(k1!.key)).toBe(true);
    // Atomic replacement: no temporary or lock file left beside it.
    expect(readdirSync(join(dir, 'keys'))).toEqual(['operator.keys']);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const listed = await cli(dir, ['keys', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`${k1!.id}\t${k1!.createdAt.toISOString()}\told\t`);
    expect(listed.out).toContain(`${keys[1]!.id}\t${keys[1]!.createdAt.toISOString()}\tactive\t`);
    const json = JSON.parse((await cli(dir, ['keys', 'list', '--json'])).out) as { id: string; active: boolean; createdAt: string | null }[];
    // On the run's shared PostgreSQL database, rows other suites sealed show up too, as keys this file lacks.
    expect(json.filter((k) => k.createdAt === null).every((k) => !k.active)).toBe(true);
    expect(json.filter((k) => k.createdAt !== null).map((k) => [k.id, k.active])).toEqual([
      [k1!.id, false],
      [keys[1]!.id, true],
    ]);
    expect(readFileSync(keyFile, 'utf8')).toContain(k1!.key.toString('base64'));

    expect(await cli(dir, ['keys', 'remove', keys[1]!.id])).toMatchObject({ code: 1, err: expect.stringContaining('is the active key') });
    expect(await cli(dir, ['keys', 'remove', 'no-such-key'])).toMatchObject({ code: 1, err: expect.stringContaining('no key no-such-key') });
    expect(await cli(dir, ['keys', 'remove', k1!.id])).toMatchObject({ code: 0, out: `removed key ${k1!.id} from ${keyFile}\n` });
    expect(readKeyFile(keyFile).keys.map((k) => k.id)).toEqual([keys[1]!.id]);
    // Each command opens the database (the embedded one: a second or more each).
  }, 180_000);

  it('remove refuses the oldest key while a client has pairwise subjects (derived from it), unless --force', async () => {
    const own = workspace(['oidc:', '  clients:', '    - client_id: app', '      client_name: App', '      redirect_uris: [https://app.example/cb]', '      subject_type: pairwise']);
    for (let i = 0; i < 3; i++) expect((await cli(own.dir, ['keys', 'rotate'])).code).toBe(0);
    const [oldest, middle, active] = readKeyFile(own.keyFile).keys.map((k) => k.id);
    expect(await cli(own.dir, ['keys', 'remove', oldest!])).toMatchObject({ code: 1, err: expect.stringContaining('pairwise subjects of app are derived') });
    expect(await cli(own.dir, ['keys', 'remove', middle!])).toMatchObject({ code: 0 });
    expect(await cli(own.dir, ['keys', 'remove', oldest!, '--force'])).toMatchObject({ code: 0 });
    expect(readKeyFile(own.keyFile).keys.map((k) => k.id)).toEqual([active]);
  }, 180_000);

  it('refuses a key file every user may read', async () => {
    chmodSync(keyFile, 0o604);
    try {
      expect(await cli(dir, ['keys', 'rotate'])).toMatchObject({ code: 1, err: expect.stringContaining('is accessible to every user') });
    } finally {
      chmodSync(keyFile, 0o600);
    }
  });

  it('association revoke: an unknown handle fails, usage errors exit 2', async () => {
    expect(await cli(dir, ['association', 'revoke', '1.S.none'])).toMatchObject({ code: 1, err: expect.stringContaining('no shared association 1.S.none') });
    expect((await cli(dir, ['association', 'revoke'])).code).toBe(2);
    expect((await cli(dir, ['association', 'revoke', 'h', '--all'])).code).toBe(2);
    expect((await cli(dir, ['keys', 'rotate', '--all'])).code).toBe(2);
    expect((await cli(dir, ['keys', 'frobnicate'])).code).toBe(2);
  }, 60_000);
});
