import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { MIGRATIONS } from '../../src/database/migrations/index.js';
import { buildInstall, REPO, removeInstall, runScript, type Install } from '../helpers/build.js';
import { withFreshDatabase } from '../helpers/databases.js';

// `npm run migration:run|revert|show|generate` as an operator runs them: the package.json scripts
// of a `nest build` install, the TypeORM CLI loading dist/database/ormconfig.js, the configuration
// from OPENID_PROVIDER_CONFIG and DATABASE_URL. On an embedded directory (in both runs) and on a
// fresh PostgreSQL database (with TEST_DATABASE_URL).

const NAMES = MIGRATIONS.map((m) => new m().name);
const LAST = NAMES[NAMES.length - 1]!;
/**
 * The last migration that entities describe (AddPrivateIdentifiers1764470000000): the one after it,
 * AddPasskeys1764480000000, makes tables and columns that only SQL repositories use (as the second
 * factors' before it), so migration:generate sees nothing missing without it.
 */
const LAST_OF_ENTITIES = 'AddPrivateIdentifiers1764470000000';
const AFTER_ENTITIES = NAMES.slice(NAMES.indexOf(LAST_OF_ENTITIES) + 1);

let install: Install;
const temporary: string[] = [];
function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}
beforeAll(() => {
  install = buildInstall();
});
afterAll(() => {
  removeInstall();
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** A configuration file of its own; the database comes from `database` or from DATABASE_URL. */
function workspace(database: string): { dir: string; env: Record<string, string> } {
  const dir = temp('op-migrate-');
  writeFileSync(join(dir, 'op.yaml'), `domains:\n  - name: example.org\n    base_url: https://example.org\n${database}`);
  return { dir, env: { OPENID_PROVIDER_CONFIG: join(dir, 'op.yaml') } };
}

/** The lines of migration:show, without TypeORM's row ids ("[X] 3 Name"; pending ones have none). */
function shown(out: string): string[] {
  return out
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((l) => /^\s*\[[ X]\]/.test(l))
    .map((l) => l.trim().replace(/^(\[[ X]\]) (?:\d+ )?/, '$1 '));
}

async function exercise(env: Record<string, string>): Promise<void> {
  const show = async () => {
    const r = await runScript(install, 'migration:show', [], env);
    expect(r.code, r.err).toBe(0);
    return shown(r.out);
  };
  expect(await show()).toEqual(NAMES.map((n) => `[ ] ${n}`));

  const up = await runScript(install, 'migration:run', [], env);
  expect(up.code, up.err).toBe(0);
  for (const n of NAMES) expect(up.out).toContain(`Migration ${n} has been executed successfully.`);
  // Under the migration lock, one transaction per migration.
  expect(up.out).toMatch(/pg_advisory_lock|START TRANSACTION/);
  expect(await show()).toEqual(NAMES.map((n) => `[X] ${n}`));

  // The entities describe the migrated schema exactly.
  const check = await runScript(install, 'migration:generate', ['--check'], env);
  expect(check.code, check.out + check.err).toBe(0);
  expect(check.out).toContain('No changes in database schema were found');
  const nothing = await runScript(install, 'migration:generate', ['anything', '--dir', temp('op-gen-')], env);
  expect(nothing.code).toBe(1);
  expect(nothing.out).toContain('No changes in database schema were found');

  const down = await runScript(install, 'migration:revert', [], env);
  expect(down.code, down.err).toBe(0);
  expect(down.out).toContain(`Migration ${LAST} has been reverted successfully.`);
  expect((await show()).at(-1)).toBe(`[ ] ${LAST}`);
  // The migrations after the last one entities describe: reverted too, the entities still match.
  for (const name of AFTER_ENTITIES.slice(0, -1).reverse()) {
    const back = await runScript(install, 'migration:revert', [], env);
    expect(back.code, back.err).toBe(0);
    expect(back.out).toContain(`Migration ${name} has been reverted successfully.`);
  }
  const unchanged = await runScript(install, 'migration:generate', ['--check'], env);
  expect(unchanged.code, unchanged.out + unchanged.err).toBe(0);
  const entitiesDown = await runScript(install, 'migration:revert', [], env);
  expect(entitiesDown.code, entitiesDown.err).toBe(0);
  expect(entitiesDown.out).toContain(`Migration ${LAST_OF_ENTITIES} has been reverted successfully.`);
  expect((await show()).slice(NAMES.indexOf(LAST_OF_ENTITIES))).toEqual([LAST_OF_ENTITIES, ...AFTER_ENTITIES].map((n) => `[ ] ${n}`));

  // What is missing now is what the last migration of the entities adds: generate writes it,
  // timestamp-named, in the house style, and registers it in index.ts (after the last one).
  const dir = temp('op-gen-');
  cpSync(join(REPO, 'src/database/migrations'), dir, { recursive: true });
  const generated = await runScript(install, 'migration:generate', ['LastMigrationAgain', '--dir', dir], env);
  expect(generated.code, generated.out + generated.err).toBe(0);
  const file = readdirSync(dir).find((f) => /^\d{13}-last-migration-again\.ts$/.test(f))!;
  expect(file).toBeDefined();
  const text = readFileSync(join(dir, file), 'utf8');
  const timestamp = file.slice(0, 13);
  expect(text).toContain(`export class LastMigrationAgain${timestamp} implements MigrationInterface {`);
  expect(text).toContain(`import type { MigrationInterface, QueryRunner } from 'typeorm';`);
  // AddPrivateIdentifiers1764470000000 adds the private_identifiers table and the identifier a
  // trust grant was given with.
  expect(text).toMatch(/CREATE TABLE "private_identifiers"/);
  expect(text).toMatch(/CONSTRAINT "private_identifiers_user_realm_key" UNIQUE \("user_id", "realm"\)/);
  expect(text).toMatch(/ALTER TABLE "trust_grants"\s+ADD "identifier" character varying\(16\) NOT NULL DEFAULT 'public'/);
  expect(text).toMatch(/ADD CONSTRAINT "trust_grants_identifier_check" CHECK/);
  expect(text).toMatch(/FOREIGN KEY \("user_id"\) REFERENCES "users"\("id"\) ON DELETE CASCADE/);
  expect(text).toMatch(/DROP TABLE "private_identifiers"/);
  expect(text).toMatch(/DROP COLUMN "identifier"/);
  const index = readFileSync(join(dir, 'index.ts'), 'utf8');
  expect(index).toContain(`import { LastMigrationAgain${timestamp} } from './${file.replace('.ts', '.js')}';`);
  expect(index).toMatch(new RegExp(`${LAST},\\n  LastMigrationAgain${timestamp},\\n\\];`));

  const again = await runScript(install, 'migration:run', [], env);
  expect(again.code, again.err).toBe(0);
  for (const name of [LAST_OF_ENTITIES, ...AFTER_ENTITIES]) expect(again.out).toContain(`Migration ${name} has been executed successfully.`);
  expect(await show()).toEqual(NAMES.map((n) => `[X] ${n}`));
}

describe('npm run migration:* on an embedded directory', () => {
  it('show, run, generate --check, revert, generate and run again', async () => {
    const pglite = join(temp('op-migrate-db-'), 'pglite');
    const { env } = workspace(`database:\n  embedded_dir: ${pglite}\n`);
    await exercise(env);
    // Each command closed the directory behind it.
    expect(existsSync(join(pglite, 'openid-provider.lock'))).toBe(false);
  }, 180_000);

  it('stops with a clear message on a bad configuration', async () => {
    const { env } = workspace('databse: {}\n');
    const r = await runScript(install, 'migration:show', [], env);
    expect(r.code).toBe(1);
    expect(r.out + r.err).toContain('databse: unknown option');
  });

  it('refuses a migration name that is not one', async () => {
    const { env } = workspace('');
    const r = await runScript(install, 'migration:generate', ['../../etc/x'], env);
    expect(r.code).toBe(2);
    expect(r.err).toContain('not a migration name: ../../etc/x');
  });
});

describe.runIf(inject('databaseUrl') !== null)('npm run migration:* on PostgreSQL (DATABASE_URL)', () => {
  it('show, run, generate --check, revert, generate and run again', async () => {
    await withFreshDatabase('openid_provider_commands', async (url) => {
      // The file names no database: DATABASE_URL alone says where.
      const { env } = workspace('');
      await exercise({ ...env, DATABASE_URL: url });
    });
  }, 180_000);

  it('lets two concurrent migration:run take turns (advisory lock)', async () => {
    await withFreshDatabase('openid_provider_commands_lock', async (url) => {
      const { env } = workspace('');
      const runs = await Promise.all([1, 2].map(() => runScript(install, 'migration:run', [], { ...env, DATABASE_URL: url })));
      for (const r of runs) expect(r.code, r.err).toBe(0);
      const executed = runs.map((r) => NAMES.filter((n) => r.out.includes(`Migration ${n} has been executed successfully.`)).length).sort();
      expect(executed).toEqual([0, NAMES.length]);
    });
  }, 120_000);
});
