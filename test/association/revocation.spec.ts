import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { inject } from 'vitest';
import { AssociationAdminService } from '../../src/association/association-admin.service.js';
import { SHARED_CACHE_TTL_MS } from '../../src/association/association.service.js';
import { runCli } from '../../src/cli/run-cli.js';
import { bootApp, testConfig, testKeyFile, type TestApp } from '../helpers/test-app.js';
import { associate, signatureVerifies, signWith, toldToInvalidate } from './drive.js';

// Revoking shared associations (`npm run cli -- association revoke <handle>|--all`): from then on
// the handle is unknown on every instance, so the signing path answers with a private
// association and invalidate_handle (OpenID 2.0 §10.1), and check_authentication echoes
// invalidate_handle (§11.4.2.2). Each instance caches shared associations for at most
// SHARED_CACHE_TTL_MS; the CLI is another process, so instances see its revocation within that.

// `revoke --all` empties the associations table: on PostgreSQL these suites get a database of
// their own, so that suites running beside them keep theirs.
let databaseUrl: string | undefined;
let dropDatabase: (() => Promise<void>) | undefined;
beforeAll(async () => {
  const base = inject('databaseUrl');
  if (base === null) return;
  const name = `revocation_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  databaseUrl = url.toString();
  dropDatabase = async () => {
    await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
    await admin.end();
  };
});
afterAll(() => dropDatabase?.());

const config = () => testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, ...(databaseUrl ? { database: { url: databaseUrl, pool_size: 2 } } : {}) });

/** Longer than the cache TTL whatever the load: the TTL runs on the monotonic clock. */
const pastCacheTtl = () => new Promise((r) => setTimeout(r, SHARED_CACHE_TTL_MS + 500));

async function expectInUse(t: TestApp, handle: string, macKey: Buffer): Promise<void> {
  const signed = await signWith(t.app, handle);
  expect(signed.get('assoc_handle')).toBe(handle);
  expect(signed.has('invalidate_handle')).toBe(false);
  // The RP verifies with the MAC key it got at associate: the instance signed with that very key.
  expect(signatureVerifies(signed, macKey)).toBe(true);
  expect(await toldToInvalidate(t.app, handle)).toBe(false);
}

async function expectRevoked(t: TestApp, handle: string, macKey: Buffer): Promise<void> {
  const signed = await signWith(t.app, handle);
  // OpenID 2.0 §10.1: signed with another (private) association, and the RP told to drop its handle.
  expect(signed.get('assoc_handle')).not.toBe(handle);
  expect(signed.get('invalidate_handle')).toBe(handle);
  expect(signatureVerifies(signed, macKey)).toBe(false);
  expect(await toldToInvalidate(t.app, handle)).toBe(true);
}

describe('association revocation on one instance', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(config());
  });
  afterAll(() => t.close());

  it('takes effect at once on the instance that revokes, even with the association cached, and is audited', async () => {
    const { handle, macKey } = await associate(t.app);
    const other = await associate(t.app);
    await expectInUse(t, handle, macKey); // now cached
    const revoked = await t.app.get(AssociationAdminService).revoke(handle);
    expect(revoked).toEqual([handle]);
    await expectRevoked(t, handle, macKey);
    // Only that one.
    await expectInUse(t, other.handle, other.macKey);
    const audit = (await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM audit_events WHERE kind = 'association_revoked' AND domain = '*' AND created_at > now() - interval '1 minute'`)) as { n: number }[];
    expect(audit[0]!.n).toBeGreaterThanOrEqual(1);
  });

  it('revokes nothing for an unknown handle, and every shared association with --all', async () => {
    expect(await t.app.get(AssociationAdminService).revoke('1.S.unknown')).toEqual([]);
    const a = await associate(t.app);
    const b = await associate(t.app);
    await expectInUse(t, a.handle, a.macKey);
    const revoked = await t.app.get(AssociationAdminService).revoke(undefined);
    expect(revoked).toEqual(expect.arrayContaining([a.handle, b.handle]));
    await expectRevoked(t, a.handle, a.macKey);
    await expectRevoked(t, b.handle, b.macKey);
  });
});

// Two application instances on one PostgreSQL database, each with its own caches: what instance A
// made, B verifies; what the CLI revokes, neither uses any more.
describe('association revocation across two instances', () => {
  const postgres = inject('databaseUrl') !== null;
  let a: TestApp;
  let b: TestApp;
  let cwd: string;
  beforeAll(async () => {
    if (!postgres) return;
    a = await bootApp(config());
    b = await bootApp(config());
    cwd = mkdtempSync(join(tmpdir(), 'op-revoke-'));
    const yaml = ['domains:', '  - name: example.org', '    base_url: https://example.org', 'database:', `  url: ${databaseUrl}`, 'secrets:', `  key_file: ${testKeyFile()}`, ''].join('\n');
    writeFileSync(join(cwd, 'openid-provider.yaml'), yaml);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  const cli = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
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
  };

  it.runIf(postgres)('an association made on A is used by B; after `association revoke <handle>` neither A nor B signs with it or accepts it', async () => {
    const { handle, macKey } = await associate(a.app);
    await expectInUse(b, handle, macKey);
    await expectInUse(a, handle, macKey);
    const result = await cli(['association', 'revoke', handle]);
    expect(result).toMatchObject({ code: 0, out: expect.stringContaining('revoked 1 shared association') });
    await pastCacheTtl();
    await expectRevoked(a, handle, macKey);
    await expectRevoked(b, handle, macKey);
    // Revoking it again: nothing left to revoke.
    expect(await cli(['association', 'revoke', handle])).toMatchObject({ code: 1, err: expect.stringContaining(`no shared association ${handle}`) });
  });

  it.runIf(postgres)('`association revoke --all` ends every shared association on both instances', async () => {
    const one = await associate(a.app);
    const two = await associate(b.app);
    await expectInUse(b, one.handle, one.macKey);
    await expectInUse(a, two.handle, two.macKey);
    expect((await cli(['association', 'revoke', '--all'])).code).toBe(0);
    await pastCacheTtl();
    for (const t of [a, b]) {
      await expectRevoked(t, one.handle, one.macKey);
      await expectRevoked(t, two.handle, two.macKey);
    }
  });
});
