// Scale (issue 10, point 5): a large database for the benchmark, made in the database itself.
// `npm run bench -- --seed=1000000` adds seed0 … seed999999 of the bench domain (localhost), each
// with one trust grant for https://rp{i % 1000}.example/, before the measured runs, so that W1
// (the identifier lookup) and W3 (session, account and grant lookups) are measured against a
// million rows. Rows are made by INSERT … SELECT generate_series, a batch per statement, never
// one round trip per row; every account shares one argon2id hash of a random password nobody
// keeps, so none of them can sign in. Seeding is idempotent: a batch whose accounts all exist is
// skipped, a partial one is completed (ON CONFLICT DO NOTHING), and a rerun with a larger count
// adds only the missing rows. The schema must be migrated first (the benchmark starts the
// provider, which migrates, before seeding).

import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';

/** What runs SQL: a pg Client or Pool, a TypeORM DataSource. */
export interface SeedRunner {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export const SEED_DOMAIN = 'localhost';
/** Usernames are this prefix and the row's number. */
export const SEED_PREFIX = 'seed';
/** Distinct realms of the grants: user i trusts https://rp{i % REALMS}.example/. */
export const SEED_REALMS = 1000;
const BATCH = 50_000;

export function seedUsername(i: number): string {
  return `${SEED_PREFIX}${i}`;
}

export function seedRealm(i: number): string {
  return `https://rp${i % SEED_REALMS}.example/`;
}

/** pg answers rows as an array; TypeORM's DataSource.query too. */
function rows<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

export interface SeedResult {
  /** Accounts and grants this call added (0 and 0 when the database already held them all). */
  users: number;
  grants: number;
  seconds: number;
}

export async function seedUsersAndGrants(db: SeedRunner, count: number, options: { domain?: string; batch?: number; log?: (line: string) => void } = {}): Promise<SeedResult> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`seed: ${count} is not a row count`);
  const domain = options.domain ?? SEED_DOMAIN;
  const batch = options.batch ?? BATCH;
  const migrated = rows<{ ok: boolean }>(await db.query(`SELECT to_regclass('public.trust_grants') IS NOT NULL AS ok`));
  if (!migrated[0]?.ok) throw new Error('seed: the database has no trust_grants table: start the provider once (it applies the migrations) or run npm run migration:run');
  const started = Date.now();
  // argon2id at the provider's default cost, once; the password is thrown away.
  const hash = await argon2.hash(randomBytes(18).toString('base64url'), { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
  let users = 0;
  let grants = 0;
  for (let from = 0; from < count; from += batch) {
    const to = Math.min(from + batch, count) - 1;
    const present = rows<{ n: number }>(
      await db.query(`SELECT count(*)::int AS n FROM generate_series($2::int, $3::int) AS i JOIN "users" u ON u."domain" = $1 AND u."username" = $4 || i`, [domain, from, to, SEED_PREFIX]),
    )[0]!.n;
    if (present === to - from + 1) continue;
    const added = rows<{ users: number; grants: number }>(
      await db.query(
        `WITH added AS (
           INSERT INTO "users" ("domain", "username", "password_hash", "email", "fullname")
           SELECT $1, $4 || i, $5, $4 || i || '@example.org', 'Seed User ' || i FROM generate_series($2::int, $3::int) AS i
           ON CONFLICT ("domain", "username") DO NOTHING
           RETURNING "id", "username"
         ), granted AS (
           INSERT INTO "trust_grants" ("user_id", "realm", "fields", "asked_fields")
           SELECT "id", 'https://rp' || (substr("username", length($4) + 1)::int % $6) || '.example/', '["email"]', '["email"]' FROM added
           ON CONFLICT ("user_id", "realm") DO NOTHING
           RETURNING 1
         )
         SELECT (SELECT count(*) FROM added)::int AS users, (SELECT count(*) FROM granted)::int AS grants`,
        [domain, from, to, SEED_PREFIX, hash, SEED_REALMS],
      ),
    )[0]!;
    users += added.users;
    grants += added.grants;
    options.log?.(`  seeded ${to + 1} of ${count} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  // Fresh statistics, so that the planner sees the tables as they now are.
  if (users > 0) await db.query('ANALYZE "users", "trust_grants"');
  return { users, grants, seconds: (Date.now() - started) / 1000 };
}
