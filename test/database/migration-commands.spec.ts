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

  // What is missing now is what the last migration adds: generate writes it, timestamp-named, in
  // the house style, and registers it in index.ts.
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
  // The last migration (AddSecondFactors1764460000000) adds the sessions' amr and factor_pending
  // columns (the entity's part of it; second_factors is raw SQL, as login_devices).
  expect(text).toMatch(/ALTER TABLE "sessions"\s+ADD "amr" text array NOT NULL/);
  expect(text).toMatch(/ALTER TABLE "sessions"\s+ADD "factor_pending" boolean NOT NULL DEFAULT false/);
  expect(text).toMatch(/DROP COLUMN "amr"/);
  const index = readFileSync(join(dir, 'index.ts'), 'utf8');
  expect(index).toContain(`import { LastMigrationAgain${timestamp} } from './${file.replace('.ts', '.js')}';`);
  expect(index).toMatch(new RegExp(`${LAST},\\n  LastMigrationAgain${timestamp},\\n\\];`));

  const again = await runScript(install, 'migration:run', [], env);
  expect(again.code, again.err).toBe(0);
  expect(again.out).toContain(`Migration ${LAST} has been executed successfully.`);
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
