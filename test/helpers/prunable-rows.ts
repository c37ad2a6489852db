import type { DataSource } from 'typeorm';

/** The tables pruning empties, with the column that says a row is no longer needed. */
export const PRUNABLE = ['associations', 'used_nonces', 'sessions', 'pending_requests', 'login_approvals', 'login_throttle', 'login_devices', 'audit_events', 'oidc_models'] as const;
export type Prunable = (typeof PRUNABLE)[number];

/**
 * Fills every prunable table with `expired` rows past their time (an hour ago; history 200 days
 * old) and `live` rows still needed, server-side. Sessions and history belong to one user made here.
 */
export async function fillPrunable(ds: DataSource, expired: number, live: number): Promise<void> {
  const [{ id: userId }] = (await ds.query(`INSERT INTO "users" ("domain", "username", "password_hash") VALUES ('example.org', 'prune-' || md5(random()::text), '!') RETURNING "id"`)) as [{ id: string }];
  // $1 rows from $2 on, past (true) or not: each statement numbers its rows i from $2.
  const fill = async (sql: string): Promise<void> => {
    await ds.query(sql, [expired, 0, true, userId]);
    await ds.query(sql, [live, expired, false, userId]);
  };
  const when = `CASE WHEN $3::boolean THEN now() - interval '1 hour' ELSE now() + interval '1 hour' END`;
  await fill(`INSERT INTO "associations" ("handle", "kind", "assoc_type", "key_id", "iv", "sealed_secret", "issued_at", "expires_at")
    SELECT 'h' || i, 'shared', 'HMAC-SHA256', 'test', '\\x000000000000000000000000', '\\x00', now(), ${when} FROM generate_series($2::int, $2::int + $1::int - 1) AS i WHERE $4::uuid IS NOT NULL`);
  await fill(`INSERT INTO "used_nonces" ("nonce", "expires_at") SELECT 'n' || i, ${when} FROM generate_series($2::int, $2::int + $1::int - 1) AS i WHERE $4::uuid IS NOT NULL`);
  await fill(`INSERT INTO "sessions" ("token_hash", "user_id", "auth_time", "amr", "expires_at")
    SELECT sha256(('t' || i)::bytea), $4::uuid, now(), '{pwd}', ${when} FROM generate_series($2::int, $2::int + $1::int - 1) AS i`);
  await fill(`INSERT INTO "pending_requests" ("id", "domain", "message", "expires_at")
    SELECT 'p' || i, 'example.org', '{}', ${when} FROM generate_series($2::int, $2::int + $1::int - 1) AS i WHERE $4::uuid IS NOT NULL`);
  await fill(`INSERT INTO "login_approvals" ("domain", "username", "jid", "code", "thread", "browser_hash", "expires_at")
    SELECT 'example.org', 'u', 'u@example.org', 'ABCD1234', 't' || i, '\\x00', ${when} - interval '1 hour' * $3::boolean::int FROM generate_series($2::int, $2::int + $1::int - 1) AS i WHERE $4::uuid IS NOT NULL`);
  // Past: last failure a day ago and no lock running; still needed: a recent failure.
  await fill(`INSERT INTO "login_throttle" ("key", "failures", "last_failure_at")
    SELECT 'k' || i, 1, CASE WHEN $3::boolean THEN now() - interval '1 day' ELSE now() END FROM generate_series($2::int, $2::int + $1::int - 1) AS i WHERE $4::uuid IS NOT NULL`);
  await fill(`INSERT INTO "login_devices" ("token_hash", "user_id", "created_at", "expires_at")
    SELECT sha256(('d' || i)::bytea), $4::uuid, now(), ${when} FROM generate_series($2::int, $2::int + $1::int - 1) AS i`);
  await fill(`INSERT INTO "oidc_models" ("model", "id", "payload", "grant_id", "expires_at")
    SELECT 'AccessToken', sha256(('o' || i)::bytea), '{}', 'g' || i, ${when} FROM generate_series($2::int, $2::int + $1::int - 1) AS i WHERE $4::uuid IS NOT NULL`);
  await fill(`INSERT INTO "audit_events" ("user_id", "domain", "kind", "created_at")
    SELECT $4::uuid, 'example.org', 'login_succeeded', CASE WHEN $3::boolean THEN now() - interval '200 days' ELSE now() END FROM generate_series($2::int, $2::int + $1::int - 1) AS i`);
}

export async function countRows(ds: DataSource, table: Prunable): Promise<number> {
  return ((await ds.query(`SELECT count(*)::int AS n FROM "${table}"`)) as [{ n: number }])[0].n;
}
