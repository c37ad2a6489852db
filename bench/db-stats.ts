// Database work per request, on PostgreSQL (DATABASE_URL): the statistics views' counters before
// and after a measured run, divided by its requests. Index and sequential scans count reads
// (roughly one per SELECT, UPDATE or DELETE that finds rows by key), inserted, updated and deleted
// rows count writes, and transactions count round trips for statements outside an explicit
// transaction. PostgreSQL publishes a backend's counters at most once a second, hence the pause
// before each reading.

import pg from 'pg';
import { sleep } from './provider.js';

interface TableCounters {
  reads: number;
  inserts: number;
  updates: number;
  deletes: number;
}

export interface DbSnapshot {
  transactions: number;
  tables: Map<string, TableCounters>;
}

export interface DbPerRequest {
  transactions: number;
  /** Per table with any activity: reads, inserts, updates, deletes per request. */
  tables: { table: string; reads: number; inserts: number; updates: number; deletes: number }[];
}

export class DbStats {
  private constructor(private readonly client: pg.Client) {}

  static async connect(url: string): Promise<DbStats> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return new DbStats(client);
  }

  async snapshot(settleMs = 1500): Promise<DbSnapshot> {
    await sleep(settleMs);
    await this.client.query('select pg_stat_clear_snapshot()');
    const db = await this.client.query<{ x: string }>('select (xact_commit + xact_rollback)::text as x from pg_stat_database where datname = current_database()');
    const rows = await this.client.query<{ relname: string; reads: string; ins: string; upd: string; del: string }>(
      `select relname, (coalesce(seq_scan, 0) + coalesce(idx_scan, 0))::text as reads, n_tup_ins::text as ins, n_tup_upd::text as upd, n_tup_del::text as del
         from pg_stat_user_tables`,
    );
    const tables = new Map<string, TableCounters>();
    for (const r of rows.rows) tables.set(r.relname, { reads: Number(r.reads), inserts: Number(r.ins), updates: Number(r.upd), deletes: Number(r.del) });
    return { transactions: Number(db.rows[0]?.x ?? 0), tables };
  }

  static perRequest(before: DbSnapshot, after: DbSnapshot, requests: number): DbPerRequest {
    const per = (n: number): number => Math.round((100 * n) / Math.max(requests, 1)) / 100;
    const tables: DbPerRequest['tables'] = [];
    for (const [table, a] of after.tables) {
      const b = before.tables.get(table) ?? { reads: 0, inserts: 0, updates: 0, deletes: 0 };
      const row = { table, reads: per(a.reads - b.reads), inserts: per(a.inserts - b.inserts), updates: per(a.updates - b.updates), deletes: per(a.deletes - b.deletes) };
      if (row.reads + row.inserts + row.updates + row.deletes >= 0.05) tables.push(row);
    }
    tables.sort((x, y) => x.table.localeCompare(y.table));
    // Our own three statistics queries per snapshot are transactions too; negligible per request.
    return { transactions: per(after.transactions - before.transactions), tables };
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
