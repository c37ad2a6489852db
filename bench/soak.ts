// Soak mode (`npm run bench -- --soak[=SECONDS]`, issue 10 point 5): the tables the provider
// prunes stay bounded under sustained load. The provider runs with short lifetimes and a short
// prune interval (SOAK_SETTINGS, written into its configuration), the load generator repeats
// rounds of W3 (stateless checkid_immediate: history rows), W4 (check_authentication of those
// assertions: used nonces) and W2-plain (associate: association rows), and the row counts of the
// pruned tables are read before, after each round, at the end, and once every row made during the
// soak has expired and a prune pass has run. Nothing here measures throughput.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/** Lifetimes, in seconds, short enough that rows made during a few minutes expire within them. */
export interface SoakSettings {
  /** openid.association_lifetime */
  associationLifetime: number;
  /** openid.nonce_window: a used nonce is kept this long plus the 60 s clock skew. */
  nonceWindow: number;
  /** database.prune_interval */
  pruneInterval: number;
  /** database.audit_retention */
  auditRetention: number;
}

export const SOAK_SETTINGS: SoakSettings = { associationLifetime: 30, nonceWindow: 20, pruneInterval: 10, auditRetention: 60 };

/** The instance clock skew a nonce is kept beyond its window (src/association/association.service.ts). */
const NONCE_SKEW_SECONDS = 60;

/** Seconds of each workload per round: W4 checks W3's assertions well within the nonce window. */
export const SOAK_PHASE_SECONDS = 5;

/** The configuration lines of SOAK_SETTINGS, by section. */
export function soakConfig(settings: SoakSettings): { openid: string; database: string } {
  return {
    openid: `  # Soak mode (bench/soak.ts): lifetimes short enough that rows expire and are pruned within it.\n  association_lifetime: ${settings.associationLifetime}s\n  nonce_window: ${settings.nonceWindow}s\n`,
    database: `database:\n  prune_interval: ${settings.pruneInterval}s\n  audit_retention: ${settings.auditRetention}s\n`,
  };
}

/** How long after the load stops until every row it made has expired and a prune pass has run. */
export function drainSeconds(settings: SoakSettings): number {
  return Math.max(settings.associationLifetime, settings.nonceWindow + NONCE_SKEW_SECONDS, settings.auditRetention) + settings.pruneInterval + 2;
}

export const SOAK_TABLES = ['associations', 'used_nonces', 'pending_requests', 'login_throttle', 'sessions', 'audit_events'] as const;
export type RowCounts = Record<(typeof SOAK_TABLES)[number], number>;

/**
 * Where the bench reads the counts: DATABASE_URL, or the embedded database through the socket the
 * running provider shares in its data directory (one short connection per reading: the provider's
 * single embedded session is lent to it, and given back at once).
 */
export function countsConnection(databaseUrl: string | undefined, pgliteDir: string): pg.ClientConfig {
  return databaseUrl ? { connectionString: databaseUrl } : { host: pgliteDir, port: 5432, user: 'postgres', database: 'postgres' };
}

export async function rowCounts(connection: pg.ClientConfig): Promise<RowCounts> {
  const client = new pg.Client(connection);
  await client.connect();
  try {
    const columns = SOAK_TABLES.map((t) => `(SELECT count(*) FROM "${t}")::int AS "${t}"`).join(', ');
    return (await client.query<RowCounts>(`SELECT ${columns}`)).rows[0]!;
  } finally {
    await client.end();
  }
}

export interface SoakSample {
  /** Seconds since the soak started. */
  at: number;
  counts: RowCounts;
}

export interface SoakResult {
  schema: 1;
  mode: 'soak';
  startedAt: string;
  commit: string;
  database: string;
  seconds: number;
  settings: SoakSettings & { phaseSeconds: number; connections: number };
  /** Requests per workload over the whole soak, and the unexpected answers among them. */
  requests: Record<string, number>;
  errors: number;
  before: RowCounts;
  samples: SoakSample[];
  after: RowCounts;
  /** drainSeconds after the load: every row the soak made has expired, a prune pass ran. */
  drainedAfterSeconds: number;
  afterPrune: RowCounts;
}

/** One round: a workload run for `seconds`, answering its requests and errors. */
export type SoakRun = (id: 'W3' | 'W4' | 'W2-plain', seconds: number) => Promise<{ requests: number; errors: number; firstError?: string }>;

export async function soak(seconds: number, run: SoakRun, counts: () => Promise<RowCounts>, log: (line: string) => void, sleep: (ms: number) => Promise<void>): Promise<Omit<SoakResult, 'schema' | 'mode' | 'startedAt' | 'commit' | 'database' | 'settings'>> {
  const requests: Record<string, number> = { W3: 0, W4: 0, 'W2-plain': 0 };
  let errors = 0;
  const before = await counts();
  log(`  before: ${countsLine(before)}`);
  const samples: SoakSample[] = [];
  const started = Date.now();
  const elapsed = (): number => (Date.now() - started) / 1000;
  while (elapsed() < seconds) {
    for (const id of ['W3', 'W4', 'W2-plain'] as const) {
      const phase = Math.max(1, Math.min(SOAK_PHASE_SECONDS, Math.ceil(seconds - elapsed())));
      const r = await run(id, phase);
      requests[id]! += r.requests;
      errors += r.errors;
      if (r.errors > 0) log(`    ${id}: ${r.errors} error(s)${r.firstError ? ` (first: ${r.firstError.slice(0, 160)})` : ''}`);
    }
    const sample = { at: Math.round(elapsed()), counts: await counts() };
    samples.push(sample);
    log(`  ${String(sample.at).padStart(4)} s: ${countsLine(sample.counts)}`);
  }
  const after = samples.at(-1)?.counts ?? (await counts());
  const loaded = Math.round(elapsed());
  const drain = drainSeconds(SOAK_SETTINGS);
  log(`  load stopped; waiting ${drain} s for every row it made to expire and a prune pass to run`);
  await sleep(drain * 1000);
  const afterPrune = await counts();
  log(`  after expiry and pruning: ${countsLine(afterPrune)}`);
  return { seconds: loaded, requests, errors, before, samples, after, drainedAfterSeconds: drain, afterPrune };
}

export function countsLine(counts: RowCounts): string {
  return SOAK_TABLES.map((t) => `${t} ${counts[t]}`).join(', ');
}

export function soakMarkdown(result: SoakResult): string {
  const s = result.settings;
  const peak = (t: (typeof SOAK_TABLES)[number]): number => Math.max(result.before[t], ...result.samples.map((x) => x.counts[t]));
  const lines = [
    `Soak of ${result.seconds} s on ${result.database} (${result.startedAt}, ${result.commit}): rounds of W3, W4 and W2-plain, ${s.phaseSeconds} s each, ${s.connections} connections; ` +
      `${Object.entries(result.requests).map(([id, n]) => `${id} ${n.toLocaleString('en-US')} requests`).join(', ')}; ${result.errors} errors.`,
    `Settings: association_lifetime ${s.associationLifetime}s, nonce_window ${s.nonceWindow}s (nonces kept ${s.nonceWindow + NONCE_SKEW_SECONDS} s), prune_interval ${s.pruneInterval}s, audit_retention ${s.auditRetention}s.`,
    '',
    `| table | before | peak during | after | ${result.drainedAfterSeconds} s later (expired, pruned) |`,
    '| --- | ---: | ---: | ---: | ---: |',
    ...SOAK_TABLES.map((t) => `| ${t} | ${result.before[t]} | ${peak(t)} | ${result.after[t]} | ${result.afterPrune[t]} |`),
    '',
    `Samples (seconds: ${SOAK_TABLES.join(', ')}): ${result.samples.map((x) => `${x.at}: ${SOAK_TABLES.map((t) => x.counts[t]).join('/')}`).join('; ')}`,
  ];
  return lines.join('\n');
}

/** bench/results/soak-<time>.json and .md (latest.json stays the last full run's). */
export function writeSoak(result: SoakResult, dir: string): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = `soak-${result.startedAt.replace(/[:.]/g, '-')}`;
  const json = join(dir, `${stamp}.json`);
  const markdown = join(dir, `${stamp}.md`);
  writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(markdown, `${soakMarkdown(result)}\n`);
  return { json, markdown };
}
