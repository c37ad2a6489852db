import { chmodSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { inject } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { generateSync } from 'otplib';
import { AssociationAdminService } from '../../src/association/association-admin.service.js';
import { SecondFactorService } from '../../src/auth/factors/second-factor.service.js';
import { UsersService } from '../../src/users/users.service.js';
import { Random } from '../../src/common/random.js';
import { createRootLogger, PinoNestLogger } from '../../src/http/logger.js';
import { KeyFileError, newOperatorKey, readKeyFile, replaceKeyFile, type OperatorKey } from '../../src/secrets/key-file.js';
import { KeyRing } from '../../src/secrets/key-ring.js';
import { openKeyRing } from '../../src/secrets/open-key-ring.js';
import { associate, directPost, signatureVerifies, signWith, toldToInvalidate } from '../association/drive.js';
import { useOwnDatabase } from '../helpers/databases.js';
import { bootApp, testConfig, uniqueName, type TestApp } from '../helpers/test-app.js';

// Secrets at rest (issue 11 point 5; OWASP ASVS 6.1.1, 6.2.1, 6.4.1, 7.1.1): association MAC keys
// are stored sealed with AES-256-GCM under the operator key (secrets.key_file), with the handle as
// associated data and a key id per row; a tampered row is unknown, not a 500; rotation keeps old
// handles verifying; no log line carries a query parameter, a MAC key or a database detail.

interface Row {
  handle: string;
  key_id: string;
  iv: Buffer;
  sealed_secret: Buffer;
}

/** Every textual form a leaked secret could take in a row dump or a log line. */
function forms(secret: Buffer): string[] {
  return [secret.toString('hex'), secret.toString('base64'), secret.toString('base64url'), `\\\\x${secret.toString('hex')}`, secret.toString('latin1')];
}

function keyFileWith(keys: OperatorKey[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'op-keys-')), 'operator.keys');
  replaceKeyFile(path, keys);
  return path;
}

describe('association MAC keys at rest', () => {
  const older = newOperatorKey(new Date(Date.now() - 86_400_000));
  const active = newOperatorKey(new Date());
  const keyFile = keyFileWith([older, active]);
  // Its own key file: on PostgreSQL, its own database too (other suites could not open its rows).
  const own = useOwnDatabase('secrets_at_rest');
  let t: TestApp;
  let db: DataSource;
  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, secrets: { key_file: keyFile }, ...own.config() }));
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const row = async (handle: string): Promise<Row> => ((await db.query('SELECT * FROM associations WHERE handle = $1', [handle])) as Row[])[0]!;

  it('stores no clear MAC key: the row holds a key id, a 96-bit IV and a ciphertext the key bytes do not appear in', async () => {
    const { handle, macKey } = await associate(t.app);
    const stored = await row(handle);
    expect(Object.keys(stored)).not.toContain('secret');
    expect(stored.key_id).toBe(active.id);
    expect(stored.iv).toHaveLength(12);
    // AES-GCM: as long as the key, plus the 16-byte tag.
    expect(stored.sealed_secret).toHaveLength(macKey.length + 16);
    expect(stored.sealed_secret.includes(macKey)).toBe(false);
    const dump = JSON.stringify(await db.query(`SELECT *, encode(sealed_secret, 'hex') AS hex, encode(sealed_secret, 'base64') AS b64 FROM associations WHERE handle = $1`, [handle]));
    for (const form of forms(macKey)) expect(dump).not.toContain(form);
    // Sealed under the active key, with the handle bound in: it opens to the key the RP got.
    expect(signatureVerifies(await signWith(t.app, handle), macKey)).toBe(true);
  });

  it('stores the private-association derivation key sealed too', async () => {
    await signWith(t.app, 'no-such-handle'); // signs with a private association: the derivation key is made
    const rows = (await db.query(`SELECT * FROM provider_secrets`)) as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(Object.keys(r)).not.toContain('secret');
      expect(r['key_id']).toBe(active.id);
      expect(r['iv']).toHaveLength(12);
      expect(r['sealed_secret']).toHaveLength(32 + 16);
    }
  });

  // Each tampering with the stored row must make the association unknown (the RP is told
  // invalidate_handle, OpenID 2.0 §10.1, §11.4.2.2), never open to a key, never answer 500.
  const tamperings: [string, (victim: Row, other: Row) => [string, unknown[]]][] = [
    ['a ciphertext byte flipped', (v) => ['UPDATE associations SET sealed_secret = $2 WHERE handle = $1', [v.handle, flip(v.sealed_secret, 3)]]],
    ['the tag truncated', (v) => ['UPDATE associations SET sealed_secret = $2 WHERE handle = $1', [v.handle, v.sealed_secret.subarray(0, v.sealed_secret.length - 1)]]],
    ['an IV byte flipped', (v) => ['UPDATE associations SET iv = $2 WHERE handle = $1', [v.handle, flip(v.iv, 0)]]],
    ['the key id changed to the older key', (v) => ['UPDATE associations SET key_id = $2 WHERE handle = $1', [v.handle, older.id]]],
    ['the key id changed to a key nobody has', (v) => ['UPDATE associations SET key_id = $2 WHERE handle = $1', [v.handle, 'no-such-key']]],
    ["another row's ciphertext, IV and key id swapped in (handle as associated data)", (v, o) => ['UPDATE associations SET sealed_secret = $2, iv = $3, key_id = $4 WHERE handle = $1', [v.handle, o.sealed_secret, o.iv, o.key_id]]],
    ['the assoc_type changed (HMAC-SHA256 → HMAC-SHA1)', (v) => [`UPDATE associations SET assoc_type = 'HMAC-SHA1' WHERE handle = $1`, [v.handle]]],
  ];

  it.each(tamperings)('refuses a row with %s: unknown, invalidate_handle, no 500', async (_, tamper) => {
    const victim = await associate(t.app);
    const other = await associate(t.app);
    const [sql, params] = tamper(await row(victim.handle), await row(other.handle));
    await db.query(sql, params);
    // Neither association was used yet, so nothing of them is cached: the tampered row is what is read.
    const signed = await signWith(t.app, victim.handle);
    expect(signed.get('assoc_handle')).not.toBe(victim.handle);
    expect(signed.get('invalidate_handle')).toBe(victim.handle);
    expect(await toldToInvalidate(t.app, victim.handle)).toBe(true);
    // The untouched row still works.
    expect(signatureVerifies(await signWith(t.app, other.handle), other.macKey)).toBe(true);
  });
});

function flip(buffer: Buffer, at: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

describe('operator key rotation', () => {
  const first = newOperatorKey(new Date(Date.now() - 3_600_000));
  const keyFile = keyFileWith([first]);
  const own = useOwnDatabase('secrets_rotation');
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, secrets: { key_file: keyFile, reload_interval: 1 }, ...own.config() }));
  });
  afterAll(() => t.close());

  it('seals new associations under the new key while those sealed under the old one keep verifying until they expire', async () => {
    const db = t.app.get(DataSource);
    const before = await associate(t.app);
    await signWith(t.app, 'unknown'); // the derivation key, sealed under the first key
    const second = newOperatorKey(new Date());
    // What `keys rotate` writes (atomically; test/cli covers the command itself).
    replaceKeyFile(keyFile, [first, second]);
    // The running instance reads the changed file within secrets.reload_interval (1 s here).
    await new Promise((r) => setTimeout(r, 1_500));
    const after = await associate(t.app);
    const keyOf = async (handle: string) => ((await db.query('SELECT key_id FROM associations WHERE handle = $1', [handle])) as { key_id: string }[])[0]!.key_id;
    expect(await keyOf(before.handle)).toBe(first.id);
    expect(await keyOf(after.handle)).toBe(second.id);
    await new Promise((r) => setTimeout(r, 1_500)); // past the shared-association cache: read from the row again
    expect(signatureVerifies(await signWith(t.app, before.handle), before.macKey)).toBe(true);
    expect(signatureVerifies(await signWith(t.app, after.handle), after.macKey)).toBe(true);

    const admin = t.app.get(AssociationAdminService);
    expect(await admin.resealProviderSecrets()).toBe(1);
    const usage = await admin.usage();
    const of = (id: string) => usage.find((u) => u.id === id);
    expect(of(first.id)).toMatchObject({ active: false, associations: 1, providerSecrets: 0 });
    expect(of(first.id)?.lastExpiry?.getTime()).toBeGreaterThan(Date.now());
    expect(of(second.id)).toMatchObject({ active: true, associations: 1, providerSecrets: 1 });
    // Stateless assertions still verify with the re-sealed derivation key (fresh process view: a new key ring).
    const ring = new KeyRing(keyFile, readKeyFile(keyFile));
    const row = ((await db.query(`SELECT * FROM provider_secrets`)) as { name: string; key_id: string; iv: Buffer; sealed_secret: Buffer }[])[0]!;
    expect(ring.open({ keyId: row.key_id, iv: row.iv, sealed: row.sealed_secret }, `openid-provider/provider-secret/v1\u0000${row.name}`)).toHaveLength(32);
  });

  // Issue 13: an authenticator app's secret is sealed too (it cannot be hashed), and follows the
  // active key at `keys rotate` (what the command calls), so that its app keeps working.
  it('seals authenticator-app secrets, and re-seals them under the new key at rotation', async () => {
    const db = t.app.get(DataSource);
    const user = await t.app.get(UsersService).create({ domain: 'example.org', username: uniqueName('sealed'), password: 'x'.repeat(12) });
    const factors = t.app.get(SecondFactorService);
    const id = await factors.beginTotp(user);
    const secret = new URL((await factors.totpSetup(user, id))!.uri).searchParams.get('secret')!;
    const stored = ((await db.query(`SELECT * FROM second_factors WHERE id = $1`, [id])) as Record<string, unknown>[])[0]!;
    for (const value of Object.values(stored)) expect(String(value)).not.toContain(secret);
    expect((stored['sealed_secret'] as Buffer).toString('latin1')).not.toContain(secret);
    const before = stored['key_id'] as string;
    const third = newOperatorKey(new Date());
    replaceKeyFile(keyFile, [...readKeyFile(keyFile).keys, third]);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await factors.reseal()).toBe(1);
    expect(await factors.reseal()).toBe(0);
    expect((await factors.rowsPerKey()).get(third.id)).toBe(1);
    expect(before).not.toBe(third.id);
    // Still the same secret: the enrolment's first code confirms it.
    expect(await factors.confirmTotp(user, id, generateSync({ secret }))).toBe(true);
  });

  // The CLI reaches this suite's own database on PostgreSQL only (an embedded one belongs to its app).
  it.runIf(inject('databaseUrl') !== null)('`keys remove` refuses the old key while an association it seals is unexpired, and says until when', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'op-keys-remove-'));
    writeFileSync(
      join(cwd, 'openid-provider.yaml'),
      ['domains:', '  - name: example.org', '    base_url: https://example.org', 'database:', `  url: ${own.config().database!.url}`, 'secrets:', `  key_file: ${keyFile}`, ''].join('\n'),
    );
    let out = '';
    let err = '';
    const io = { stdin: Readable.from([]), stdout: { write: (x: string) => (out += x) }, stderr: { write: (x: string) => (err += x) }, env: { OPENID_PROVIDER_CONFIG: join(cwd, 'openid-provider.yaml') }, cwd };
    expect(await runCli(['keys', 'list'], io)).toBe(0);
    expect(out).toMatch(new RegExp(`${first.id}\t\\S+\told\t1 associations, 0 provider secrets, \\d+ OpenID Connect signing keys, \\d+ OpenID Connect sessions and tokens, 0 authenticator-app secrets, needed until `));
    expect(await runCli(['keys', 'remove', first.id], io)).toBe(1);
    expect(err).toMatch(/still seals 1 associations \(the last expires at .*\), 0 provider secrets and \d+ OpenID Connect sessions and tokens/);
    expect(readKeyFile(keyFile).keys.map((k) => k.id)).toContain(first.id);
  });
});

describe('the operator key file', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'op-keyfile-'));
  const log = () => {
    const lines: string[] = [];
    return { lines, info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`) };
  };

  it('is generated on the first start of a development setup (mode 0600, next to the certificate), said in the log, and reused after', () => {
    const dataDir = dir();
    const first = log();
    const ring = openKeyRing({ secrets: { reload_interval: 5 }, data_dir: dataDir, database: {} as never }, first);
    const path = join(dataDir, 'secrets', 'operator.keys');
    expect(ring.file).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(first.lines).toEqual([expect.stringMatching(new RegExp(`^warn generated an operator key file at ${path}`))]);
    const again = log();
    expect(openKeyRing({ secrets: { reload_interval: 5 }, data_dir: dataDir, database: {} as never }, again).activeId).toBe(ring.activeId);
    expect(again.lines).toEqual([]);
    // No temporary file left behind.
    expect(readdirSync(join(dataDir, 'secrets'))).toEqual(['operator.keys']);
  });

  it('refuses a world-accessible file and warns about a group-readable one, without showing its content', () => {
    const path = keyFileWith([newOperatorKey(new Date())]);
    chmodSync(path, 0o644);
    expect(() => readKeyFile(path)).toThrow(KeyFileError);
    expect(() => readKeyFile(path)).toThrow(/accessible to every user \(mode 644\)/);
    chmodSync(path, 0o640);
    const l = log();
    openKeyRing({ secrets: { key_file: path, reload_interval: 5 }, data_dir: dir(), database: {} as never }, l);
    expect(l.lines).toEqual([`warn operator key file ${path} is readable by its group: chmod 600 it`]);
  });

  it.each([
    ['a missing file', null, /cannot read operator key file .*: ENOENT/],
    ['no key', '# only a comment\n', /holds no key/],
    ['a short key', `k1 2026-12-02T17:40:00Z ${Buffer.alloc(16).toString('base64')}\n`, /line 1: the key must be 32 bytes/],
    ['a bad id', `k/1 2026-12-02T17:40:00Z ${Buffer.alloc(32).toString('base64')}\n`, /line 1: the key id/],
    ['a bad date', `k1 yesterday ${Buffer.alloc(32).toString('base64')}\n`, /line 1: the creation date/],
    ['a repeated id', `k1 2026-12-02T17:40:00Z ${Buffer.alloc(32, 1).toString('base64')}\nk1 2026-12-02T17:41:00Z ${Buffer.alloc(32, 2).toString('base64')}\n`, /line 2: key id k1 appears twice/],
  ])('refuses %s at start-up', (_, content, message) => {
    const path = join(dir(), 'operator.keys');
    if (content !== null) writeFileSync(path, content, { mode: 0o600 });
    let error: unknown;
    try {
      readKeyFile(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KeyFileError);
    expect((error as Error).message).toMatch(message);
    // The content (a key, even a bad one) is never quoted.
    expect((error as Error).message).not.toContain('AAAA');
  });
});

describe('log lines never carry query parameters, MAC keys or database details', () => {
  const lines: string[] = [];
  const logger = createRootLogger('debug', { write: (s: string) => lines.push(s) });
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, logging: { level: 'debug' } }), logger);
  });
  afterAll(() => t.close());

  it('a failed INSERT whose parameters and database detail hold a secret, logged every way the code logs errors', async () => {
    const secret = Buffer.from('a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9', 'hex');
    const db = t.app.get(DataSource);
    const failures: unknown[] = [];
    // A CHECK violation (an IV of 5 bytes): PostgreSQL's detail quotes the whole row, secret included.
    await db.query(`INSERT INTO provider_secrets (name, key_id, iv, sealed_secret) VALUES ($1, $2, $3, $4)`, ['log-test', 'k', Buffer.alloc(5), secret]).catch((e: unknown) => failures.push(e));
    // A duplicate primary key through the repository API (TypeORM's QueryFailedError with parameters).
    const insert = () =>
      db.query(`INSERT INTO associations (handle, kind, assoc_type, key_id, iv, sealed_secret, issued_at, expires_at) VALUES ($1, 'shared', 'HMAC-SHA256', 'k', $2, $3, now(), now() + interval '1 minute')`, [
        `dup-${secret.toString('hex').slice(0, 8)}`,
        Buffer.alloc(12),
        secret,
      ]);
    await insert();
    await insert().catch((e: unknown) => failures.push(e));
    expect(failures).toHaveLength(2);
    // The errors do carry the secret (the test would catch a leak): in parameters and detail.
    for (const failure of failures) expect(JSON.stringify(failure)).toContain('parameters');
    expect(JSON.stringify(failures[0])).toContain(secret.toString('hex'));

    const nest = new PinoNestLogger(logger);
    for (const failure of failures) {
      logger.error({ err: failure }, 'request failed');
      logger.error(failure as Error);
      logger.warn({ error: failure, what: 'audit events' }, 'could not write queued rows');
      logger.info({ nested: { deeper: { parameters: [secret], mac_key: secret, value: secret } } }, 'a careless line');
      nest.error(failure, (failure as Error).stack, 'ExceptionsHandler');
      nest.warn({ failure });
    }
    const output = lines.join('');
    expect(output).toContain('request failed');
    expect(output).toContain('23514'); // the SQLSTATE of the check violation stays, for the operator
    expect(output).toContain('provider_secrets_iv_length'); // and the constraint's name
    for (const form of forms(secret)) expect(output).not.toContain(form);
    expect(output).not.toMatch(/Failing row contains \(/);
    expect(output).not.toMatch(/Key \(handle\)=\(dup/);
  });

  it('a request whose INSERT fails (a handle drawn twice) answers 500 and logs none of the MAC key, IV or ciphertext', async () => {
    const random = t.app.get(Random);
    const original = random.bytes;
    // A CSPRNG stuck on one value: the same handle and MAC key twice within a second.
    (random as { bytes: Random['bytes'] }).bytes = (size: number) => Buffer.alloc(size, 0x5a);
    lines.length = 0;
    let failed: Awaited<ReturnType<typeof directPost>> | undefined;
    let macKey: Buffer | undefined;
    try {
      for (let attempt = 0; attempt < 5 && failed === undefined; attempt++) {
        macKey = (await associate(t.app)).macKey;
        const again = await directPost(t.app, { 'openid.ns': 'http://specs.openid.net/auth/2.0', 'openid.mode': 'associate', 'openid.assoc_type': 'HMAC-SHA256', 'openid.session_type': 'no-encryption' });
        if (again.statusCode !== 200) failed = again;
      }
    } finally {
      (random as { bytes: Random['bytes'] }).bytes = original;
    }
    expect(failed?.statusCode).toBeGreaterThanOrEqual(500);
    const stored = ((await t.app.get(DataSource).query(`SELECT iv, sealed_secret FROM associations WHERE sealed_secret IS NOT NULL ORDER BY issued_at DESC LIMIT 1`)) as { iv: Buffer; sealed_secret: Buffer }[])[0]!;
    const output = lines.join('');
    expect(output).toContain('"msg":"request failed"');
    expect(output).toContain('23505');
    for (const secret of [macKey!, stored.iv, stored.sealed_secret]) for (const form of forms(secret)) expect(output).not.toContain(form);
    expect(output).not.toContain('"parameters"');
    expect(output).not.toMatch(/\\\\x[0-9a-f]{16}/);
  });
});
