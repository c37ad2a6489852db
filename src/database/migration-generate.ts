import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// `npm run migration:generate -- <name>`: the TypeORM CLI compares the entities with the schema of
// the configured database (PostgreSQL, or the embedded one, directly or through the running
// server) and writes the difference as a timestamp-named migration into src/database/migrations/;
// then migrations/index.ts, the explicit list the DataSource loads (ESM: no globs), is rewritten
// from the directory, so that a new migration needs no manual registration.
// `--check` only tells whether entities and schema agree (exit 0) or not (exit 1).

const USAGE = `usage: npm run migration:generate -- <name> [--check]

  <name>      what the migration does, kebab-case or PascalCase: add-user-locale, AddUserLocale
  --check     write nothing; exit 1 if the entities and the database's schema differ
  --index     only rewrite index.ts from the migration files (after adding one by hand)
  --dir D     migrations directory (default src/database/migrations)
  --data-source F   compiled DataSource file (default dist/database/ormconfig.js)
`;

/** A migration file: 13-digit millisecond timestamp, kebab-case description. */
const FILE = /^(\d{13})-([a-z0-9]+(?:-[a-z0-9]+)*)\.ts$/;

export function kebabName(name: string): string | null {
  const kebab = name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[\s_]+/g, '-')
    .toLowerCase();
  return /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/.test(kebab) && kebab.length <= 80 ? kebab : null;
}

/** The text of index.ts for the migration files in `dir`, in timestamp order. */
export function migrationIndex(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => FILE.test(f))
    .sort();
  const entries = files.map((file) => {
    const match = /export class (\w+)/.exec(readFileSync(join(dir, file), 'utf8'));
    if (!match) throw new Error(`${file}: no exported migration class`);
    return { file, name: match[1]! };
  });
  return [
    '// Written by `npm run migration:generate` (src/database/migration-generate.ts) from the files in',
    '// this directory; after adding a migration by hand, run `npm run migration:generate -- --index`.',
    ...entries.map((e) => `import { ${e.name} } from './${e.file.replace(/\.ts$/, '.js')}';`),
    '',
    '/** In order. A merged migration is never edited: schema changes come as new migrations. */',
    `export const MIGRATIONS = [${entries.length > 0 ? `\n${entries.map((e) => `  ${e.name},\n`).join('')}` : ''}];`,
    '',
  ].join('\n');
}

/** TypeORM's template, in the house style (type-only imports, two-space indent, semicolons). */
export function tidyGenerated(text: string): string {
  return text
    .replace(/^import \{ MigrationInterface, QueryRunner \} from "typeorm";/m, `import type { MigrationInterface, QueryRunner } from 'typeorm';`)
    .replace(/^( {4})name = '(\w+)'$/m, "$1name = '$2';")
    .replace(/public async /g, 'async ')
    .replace(/^((?: {4})+)/gm, (indent) => ' '.repeat(indent.length / 2))
    .replace(/\n\n}\n$/, '\n}\n');
}

function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { check: { type: 'boolean' }, index: { type: 'boolean' }, dir: { type: 'string' }, 'data-source': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const dir = resolve(values.dir ?? 'src/database/migrations');
  const dataSource = resolve(values['data-source'] ?? 'dist/database/ormconfig.js');
  if (values.index) {
    writeFileSync(join(dir, 'index.ts'), migrationIndex(dir));
    process.stdout.write(`${join(dir, 'index.ts')} lists every migration\n`);
    return 0;
  }
  const typeorm = createRequire(import.meta.url).resolve('typeorm/cli.js');
  if (values.check) {
    const r = spawnSync(process.execPath, [typeorm, 'migration:generate', '--check', '-d', dataSource, join(dir, 'check')], { stdio: 'inherit' });
    return r.status ?? 1;
  }
  const name = positionals.length === 1 ? kebabName(positionals[0]!) : null;
  if (name === null) {
    process.stderr.write(`${positionals.length === 1 ? `not a migration name: ${positionals[0]}\n\n` : ''}${USAGE}`);
    return 2;
  }
  const before = new Set(readdirSync(dir));
  const r = spawnSync(process.execPath, [typeorm, 'migration:generate', '--pretty', '-d', dataSource, join(dir, name)], { stdio: 'inherit' });
  if (r.status !== 0) return r.status ?? 1;
  const created = readdirSync(dir).filter((f) => !before.has(f) && FILE.test(f));
  for (const file of created) writeFileSync(join(dir, file), tidyGenerated(readFileSync(join(dir, file), 'utf8')));
  writeFileSync(join(dir, 'index.ts'), migrationIndex(dir));
  process.stdout.write(`registered in ${join(dir, 'index.ts')}: ${created.join(', ')}\nReview it (and give it a comment saying why), then commit both.\n`);
  return 0;
}

// Run as a command, not when imported (by the tests).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(main(process.argv.slice(2)));
