import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { inject } from 'vitest';
import { parseConfig } from '../../src/config/config.loader.js';
import { createDataSource, dataSourceOptions, pendingMigrations, revertLastMigration, runMigrations } from '../../src/database/data-source.js';
import { closeEmbedded, EmbeddedDatabaseInUse, openEmbedded } from '../../src/database/embedded.js';
import { kebabName, migrationIndex, tidyGenerated } from '../../src/database/migration-generate.js';
import { MIGRATIONS } from '../../src/database/migrations/index.js';
import { withFreshDatabase } from '../helpers/databases.js';

// Every migration goes up and comes back down, on the embedded database and (with
// TEST_DATABASE_URL) on real PostgreSQL, starting from an empty database each time.

async function tables(ds: DataSource): Promise<string[]> {
  const rows = (await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`)) as { table_name: string }[];
  return rows.map((r) => r.table_name);
}

async function roundTrip(ds: DataSource): Promise<void> {
  expect(await pendingMigrations(ds)).toEqual(MIGRATIONS.map((m) => new m().name));
  expect(await runMigrations(ds)).toEqual(MIGRATIONS.map((m) => new m().name));
  expect(await tables(ds)).toEqual(['associations', 'audit_events', 'login_approvals', 'login_devices', 'login_throttle', 'migrations', 'oidc_models', 'oidc_signing_keys', 'pending_requests', 'private_identifiers', 'provider_secrets', 'second_factors', 'sessions', 'trust_grants', 'used_nonces', 'users', 'webauthn_challenges', 'webauthn_user_handles']);
  expect(await pendingMigrations(ds)).toEqual([]);
  expect(await runMigrations(ds)).toEqual([]); // idempotent
  for (let i = 0; i < MIGRATIONS.length; i++) await revertLastMigration(ds);
  expect(await tables(ds)).toEqual(['migrations']);
  expect(await runMigrations(ds)).toHaveLength(MIGRATIONS.length);
  // The schema enforces the SReg formats and case-normalised usernames itself.
  await expect(ds.query(`INSERT INTO users (domain, username, password_hash) VALUES ('a', 'Upper', 'x')`)).rejects.toThrow(/users_username_lowercase/);
  await expect(ds.query(`INSERT INTO users (domain, username, password_hash, gender) VALUES ('a', 'b', 'x', 'X')`)).rejects.toThrow(/users_gender_value/);
  // ITU-T E.164 as profile.ts stores it (migration 1764450000000): formatted or national numbers are refused.
  for (const phone of ['+33 1 23 45 67 89', '0123456789', '+0123456789', '+1234567890123456']) {
    await expect(ds.query(`INSERT INTO users (domain, username, password_hash, phone) VALUES ('a', 'b', 'x', $1)`, [phone]), phone).rejects.toThrow(/users_phone_format/);
  }
  await ds.query(`INSERT INTO users (domain, username, password_hash, phone) VALUES ('a', 'b', 'x', '+33123456789')`);
  await ds.query(`DELETE FROM users WHERE domain = 'a'`);
  // Migration 1764460000000 on a database with sessions: each keeps its sign-in's amr (from
  // auth_method), and none waits for a second factor.
  expect(new MIGRATIONS[MIGRATIONS.length - 3]!().name).toBe('AddSecondFactors1764460000000');
  await revertLastMigration(ds);
  await revertLastMigration(ds);
  await revertLastMigration(ds);
  const [{ id: userId }] = (await ds.query(`INSERT INTO users (domain, username, password_hash) VALUES ('a', 'before-factors', 'x') RETURNING id`)) as [{ id: string }];
  for (const [hash, method] of [['\\x01', 'password'], ['\\x02', 'xmpp']]) {
    await ds.query(`INSERT INTO sessions (token_hash, user_id, auth_time, auth_method, expires_at) VALUES ($1::bytea, $2, now(), $3, now() + interval '1 hour')`, [hash, userId, method]);
  }
  expect(await runMigrations(ds)).toEqual(['AddSecondFactors1764460000000', 'AddPrivateIdentifiers1764470000000', 'AddPasskeys1764480000000']);
  expect(await ds.query(`SELECT auth_method, amr, factor_pending FROM sessions WHERE user_id = $1 ORDER BY auth_method`, [userId])).toEqual([
    { auth_method: 'password', amr: ['pwd'], factor_pending: false },
    { auth_method: 'xmpp', amr: ['xmpp'], factor_pending: false },
  ]);
  // A factor is of a known kind, with what that kind needs: a sealed secret, or a code's SHA-256.
  await expect(ds.query(`INSERT INTO second_factors (user_id, kind, label, created_at) VALUES ($1, 'sms', 'x', now())`, [userId])).rejects.toThrow(/second_factors_kind_value/);
  await expect(ds.query(`INSERT INTO second_factors (user_id, kind, label, created_at) VALUES ($1, 'totp', 'x', now())`, [userId])).rejects.toThrow(/second_factors_totp_sealed/);
  await expect(ds.query(`INSERT INTO second_factors (user_id, kind, label, code_hash, created_at) VALUES ($1, 'recovery', 'x', '\\x00'::bytea, now())`, [userId])).rejects.toThrow(/second_factors_recovery_hash/);
  // Migration 1764470000000 on a database with trust grants: they keep their rows, given with the
  // person's own identifier; its private identifiers go with the account (ON DELETE CASCADE).
  // Migration 1764480000000: a passkey has its credential (unique), public key and counter; a
  // user handle is at most 64 bytes; a sign-in challenge is bound to a browser, others to a session.
  expect(new MIGRATIONS[MIGRATIONS.length - 1]!().name).toBe('AddPasskeys1764480000000');
  await expect(ds.query(`INSERT INTO second_factors (user_id, kind, label, confirmed_at, created_at) VALUES ($1, 'webauthn', 'x', now(), now())`, [userId])).rejects.toThrow(/second_factors_webauthn_credential/);
  const passkey = `INSERT INTO second_factors (user_id, kind, label, credential_id, public_key, sign_count, backup_eligible, backup_state, confirmed_at, created_at) VALUES ($1, 'webauthn', 'x', '\\x0102'::bytea, '\\x03'::bytea, 0, false, false, now(), now())`;
  await ds.query(passkey, [userId]);
  await expect(ds.query(passkey, [userId])).rejects.toThrow(/second_factors_credential_id_key/);
  await expect(ds.query(`INSERT INTO webauthn_user_handles (user_id, user_handle) VALUES ($1, $2)`, [userId, Buffer.alloc(65)])).rejects.toThrow(/webauthn_user_handles_handle_length/);
  await expect(ds.query(`INSERT INTO webauthn_challenges (challenge, purpose, domain, expires_at) VALUES ('c', 'sign_in', 'a', now())`)).rejects.toThrow(/webauthn_challenges_bound/);
  // Reverted, the passkeys go and the kinds are the two of before.
  await revertLastMigration(ds);
  expect(await ds.query(`SELECT count(*)::int AS n FROM second_factors WHERE user_id = $1`, [userId])).toEqual([{ n: 0 }]);
  await expect(ds.query(passkey, [userId])).rejects.toThrow(/credential_id/);
  expect(new MIGRATIONS[MIGRATIONS.length - 2]!().name).toBe('AddPrivateIdentifiers1764470000000');
  await revertLastMigration(ds);
  const [{ id }] = (await ds.query(`INSERT INTO users (domain, username, password_hash) VALUES ('a', 'before-ppid', 'x') RETURNING id`)) as { id: string }[];
  await ds.query(`INSERT INTO trust_grants (user_id, realm) VALUES ($1, 'https://rp.example/')`, [id]);
  expect(await runMigrations(ds)).toEqual(['AddPrivateIdentifiers1764470000000', 'AddPasskeys1764480000000']);
  expect(await ds.query(`SELECT realm, identifier FROM trust_grants WHERE user_id = $1`, [id])).toEqual([{ realm: 'https://rp.example/', identifier: 'public' }]);
  await expect(ds.query(`UPDATE trust_grants SET identifier = 'secret' WHERE user_id = $1`, [id])).rejects.toThrow(/trust_grants_identifier_check/);
  await ds.query(`INSERT INTO private_identifiers (opaque, user_id, domain, realm) VALUES ('o1', $1, 'a', 'https://rp.example/')`, [id]);
  await expect(ds.query(`INSERT INTO private_identifiers (opaque, user_id, domain, realm) VALUES ('o2', $1, 'a', 'https://rp.example/')`, [id])).rejects.toThrow(/private_identifiers_user_realm_key/);
  await revertLastMigration(ds);
  await revertLastMigration(ds);
  const [row] = (await ds.query(`SELECT * FROM trust_grants WHERE user_id = $1`, [id])) as Record<string, unknown>[];
  expect(row).toMatchObject({ realm: 'https://rp.example/' });
  expect(Object.keys(row!)).not.toContain('identifier');
  expect(await tables(ds)).not.toContain('private_identifiers');
  await runMigrations(ds);
  await ds.query(`INSERT INTO private_identifiers (opaque, user_id, domain, realm) VALUES ('o1', $1, 'a', 'https://rp.example/')`, [id]);
  await ds.query(`DELETE FROM users WHERE domain = 'a'`);
  expect(await ds.query(`SELECT count(*)::int AS n FROM private_identifiers`)).toEqual([{ n: 0 }]);
  // The entities describe the migrated schema exactly: what `migration:generate` would write is empty.
  expect((await ds.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query)).toEqual([]);
}

const domains = [{ name: 'example.org', base_url: 'https://example.org' }];

describe('migrations on the embedded database', () => {
  it('go up and down', async () => {
    const ds = await createDataSource(parseConfig({ domains, database: { embedded_dir: 'memory://' } }, null));
    await ds.initialize();
    try {
      await roundTrip(ds);
    } finally {
      await ds.destroy();
    }
  });
});

describe.runIf(inject('databaseUrl') !== null)('migrations on PostgreSQL', () => {
  it('go up and down on a fresh database', async () => {
    await withFreshDatabase('openid_provider_migrations', async (url) => {
      const ds = await createDataSource(parseConfig({ domains, database: { url } }, null));
      await ds.initialize();
      try {
        await roundTrip(ds);
      } finally {
        await ds.destroy();
      }
    });
  });

  it('let concurrent starters take turns (advisory lock)', async () => {
    await withFreshDatabase('openid_provider_concurrent', async (url) => {
      const config = parseConfig({ domains, database: { url } }, null);
      const sources = await Promise.all([createDataSource(config), createDataSource(config), createDataSource(config)]);
      try {
        await Promise.all(sources.map((s) => s.initialize()));
        const applied = await Promise.all(sources.map((s) => runMigrations(s)));
        expect(applied.map((a) => a.length).sort()).toEqual([0, 0, MIGRATIONS.length]);
      } finally {
        await Promise.all(sources.map((s) => s.destroy()));
      }
    });
  });
});

describe('migrations/index.ts', () => {
  it('lists every migration file of the directory, in order (npm run migration:generate -- --index)', () => {
    const dir = join(import.meta.dirname, '../../src/database/migrations');
    expect(readFileSync(join(dir, 'index.ts'), 'utf8')).toBe(migrationIndex(dir));
    const names = MIGRATIONS.map((m) => new m().name);
    expect(names).toEqual([...names].sort((a, b) => Number(a.slice(-13)) - Number(b.slice(-13))));
  });

  it('names generated migrations in kebab case and tidies them to the house style', () => {
    expect(kebabName('AddUserLocale')).toBe('add-user-locale');
    expect(kebabName('add-user-locale')).toBe('add-user-locale');
    expect(kebabName('add_user locale')).toBe('add-user-locale');
    for (const bad of ['', '../x', 'x/y', '1abc', 'a--b', 'é']) expect(kebabName(bad)).toBeNull();
    const generated = [
      'import { MigrationInterface, QueryRunner } from "typeorm";',
      '',
      'export class AddX1 implements MigrationInterface {',
      "    name = 'AddX1'",
      '',
      '    public async up(queryRunner: QueryRunner): Promise<void> {',
      '        await queryRunner.query(`ALTER TABLE "users" ADD "x" text`);',
      '    }',
      '',
      '}',
      '',
    ].join('\n');
    expect(tidyGenerated(generated)).toBe(
      [
        "import type { MigrationInterface, QueryRunner } from 'typeorm';",
        '',
        'export class AddX1 implements MigrationInterface {',
        "  name = 'AddX1';",
        '',
        '  async up(queryRunner: QueryRunner): Promise<void> {',
        '    await queryRunner.query(`ALTER TABLE "users" ADD "x" text`);',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });
});

describe('the embedded database directory', () => {
  afterEach(() => closeEmbedded());

  it('is locked against a second process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-pglite-'));
    // A live process (our parent) holds the lock.
    writeFileSync(join(dir, 'openid-provider.lock'), String(process.ppid));
    await expect(openEmbedded(dir)).rejects.toBeInstanceOf(EmbeddedDatabaseInUse);
  });

  it('is reached through the socket its holder names in the lock file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-pglite-'));
    writeFileSync(join(dir, 'openid-provider.lock'), `${process.ppid}\n${join(dir, '.s.PGSQL.5432')}\n`);
    const options = await dataSourceOptions(parseConfig({ domains, database: { embedded_dir: dir } }, null));
    expect(options).toMatchObject({ type: 'postgres', host: dir, port: 5432, poolSize: 1, synchronize: false });
    expect(options).not.toHaveProperty('extra');
  });

  it('takes over a stale lock left by a dead process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-pglite-'));
    writeFileSync(join(dir, 'openid-provider.lock'), '999999999');
    const db = await openEmbedded(dir);
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
  });
});
