import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { inject } from 'vitest';
import { Association, ProviderSecret, UsedNonce } from '../../src/association/association.entity.js';
import { AssociationRepository } from '../../src/association/association.repository.js';
import { AuditEvent } from '../../src/audit/audit.entity.js';
import { AuditRepository } from '../../src/audit/audit.repository.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { LoginApproval } from '../../src/auth/approval/login-approval.entity.js';
import { LoginApprovalRepository } from '../../src/auth/approval/login-approval.repository.js';
import { PendingRequest } from '../../src/auth/checkid/pending-request.entity.js';
import { PendingRequestRepository } from '../../src/auth/checkid/pending-request.repository.js';
import { LoginDeviceRepository } from '../../src/auth/login/login-device.repository.js';
import { LoginThrottleRepository } from '../../src/auth/login/login-throttle.repository.js';
import { Session } from '../../src/auth/session/session.entity.js';
import { SessionRepository } from '../../src/auth/session/session.repository.js';
import { OidcModel } from '../../src/oidc/storage/oidc-model.entity.js';
import { OidcModelRepository } from '../../src/oidc/storage/oidc-model.repository.js';
import type { Clock } from '../../src/common/clock.js';
import { parseConfig } from '../../src/config/config.loader.js';
import type { DatabaseConfig } from '../../src/config/namespaces.js';
import { schedulePruning } from '../../src/database/prune-schedule.js';
import { deleteExpiredBefore, deleteInBatches, PRUNE_BATCH_SIZE } from '../../src/database/query-shapes.js';
import { createRootLogger } from '../../src/http/logger.js';
import { withMigratedDatabase } from '../helpers/databases.js';
import { countRows, fillPrunable, PRUNABLE, type Prunable } from '../helpers/prunable-rows.js';

// Pruning deletes in bounded batches (src/database/query-shapes.ts deleteInBatches): a backlog
// larger than one batch goes entirely, in several statements; rows still needed stay.

const HOUR = 3600 * 1000;

/** Every pruner of the provider, as its module's timer calls it, against `ds`. */
function pruners(ds: DataSource, now: Date): Record<Prunable, () => Promise<number>> {
  const associations = new AssociationRepository(ds.getRepository(Association), ds.getRepository(UsedNonce), ds.getRepository(ProviderSecret));
  return {
    associations: async () => (await associations.pruneExpiredBefore(now)).associations,
    // Already pruned with the associations (one call does both tables).
    used_nonces: async () => 0,
    sessions: () => new SessionRepository(ds.getRepository(Session)).pruneExpiredBefore(now),
    pending_requests: () => new PendingRequestRepository(ds.getRepository(PendingRequest)).pruneExpiredBefore(now),
    login_approvals: () => new LoginApprovalRepository(ds.getRepository(LoginApproval)).pruneBefore(new Date(now.getTime() - HOUR)),
    login_throttle: () => new LoginThrottleRepository(ds).prune(new Date(now.getTime() - 15 * 60 * 1000), now),
    login_devices: () => new LoginDeviceRepository(ds).pruneExpired(now),
    audit_events: () => new AuditRepository(ds.getRepository(AuditEvent)).pruneBefore(new Date(now.getTime() - 90 * 24 * HOUR)),
    oidc_models: () => new OidcModelRepository(ds.getRepository(OidcModel)).pruneExpiredBefore(now),
  };
}

/** A runner that counts the statements it passes on. */
function counting(ds: DataSource): { query(sql: string, parameters?: unknown[]): Promise<unknown>; statements: number } {
  const runner = {
    statements: 0,
    query: (sql: string, parameters?: unknown[]) => {
      runner.statements += 1;
      return ds.query(sql, parameters);
    },
  };
  return runner;
}

describe('pruning in batches', () => {
  it('empties every table of its expired rows, more than one batch of them, and keeps the rest', async () => {
    await withMigratedDatabase('openid_provider_prune', async (ds) => {
      const expired = Math.round(PRUNE_BATCH_SIZE * 2.5);
      await fillPrunable(ds, expired, 300);
      for (const table of PRUNABLE) expect(await countRows(ds, table)).toBe(expired + 300);
      const prune = pruners(ds, new Date());
      for (const table of PRUNABLE) await prune[table]();
      for (const table of PRUNABLE) expect({ table, rows: await countRows(ds, table) }).toEqual({ table, rows: 300 });
      // Nothing left to do: a second pass deletes nothing.
      for (const table of PRUNABLE) expect(await prune[table]()).toBe(0);
    });
  });

  it('deletes at most one batch per statement, until a statement deletes fewer', async () => {
    await withMigratedDatabase('openid_provider_prune_batches', async (ds) => {
      await fillPrunable(ds, 2000, 10);
      const runner = counting(ds);
      expect(await deleteInBatches(runner, 'used_nonces', `"expires_at" < $1`, [new Date().toISOString()], 1000)).toBe(2000);
      // 1000, 1000, then 0: the statement that finds fewer than a batch ends the pass.
      expect(runner.statements).toBe(3);
      const sessions = ds.getRepository(Session);
      expect(await deleteExpiredBefore(sessions, new Date(), 700)).toBe(2000);
      expect(await countRows(ds, 'sessions')).toBe(10);
      expect(await countRows(ds, 'used_nonces')).toBe(10);
    });
  });

  it.runIf(inject('databaseUrl') !== null)('skips rows another transaction holds instead of waiting for it (several instances prune at once)', async () => {
    await withMigratedDatabase('openid_provider_prune_locked', async (ds) => {
      await fillPrunable(ds, 50, 0);
      const other = ds.createQueryRunner();
      await other.connect();
      try {
        await other.startTransaction();
        await other.query(`SELECT 1 FROM "used_nonces" WHERE "nonce" = 'n7' FOR UPDATE`);
        expect(await deleteInBatches(ds, 'used_nonces', `"expires_at" < $1`, [new Date().toISOString()], 20)).toBe(49);
        await other.rollbackTransaction();
      } finally {
        await other.release();
      }
      expect(await countRows(ds, 'used_nonces')).toBe(1);
    });
  });
});

describe('prune schedule and retention', () => {
  afterEach(() => vi.useRealTimers());

  it('runs every database.prune_interval (default 10 minutes) and never two passes at once', async () => {
    expect(parseConfig({ domains: [{ name: 'example.org', base_url: 'https://example.org' }] }, null).database).toMatchObject({ prune_interval: 600, audit_retention: 90 * 86_400 });
    vi.useFakeTimers();
    let release: () => void = () => undefined;
    const prune = vi.fn(() => new Promise<void>((r) => (release = r)));
    const logged: unknown[] = [];
    const logger = { warn: (...a: unknown[]) => logged.push(a), debug: () => undefined } as unknown as Logger;
    const failing = vi.fn(async () => {
      throw new Error('database gone');
    });
    const stop = schedulePruning(10, logger, { failing, slow: prune });
    await vi.advanceTimersByTimeAsync(35_000);
    expect(prune).toHaveBeenCalledTimes(1); // still running at 20 s and 30 s
    // A failing task is logged, and does not keep the others from running.
    expect(failing).toHaveBeenCalledTimes(1);
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged[0])).toContain('failing');
    release();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(prune).toHaveBeenCalledTimes(2);
    stop();
    release();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(prune).toHaveBeenCalledTimes(2);
  });

  it('deletes the history older than database.audit_retention', async () => {
    const pruneBefore = vi.fn(async () => 3);
    const now = new Date('2026-12-02T00:00:00Z');
    const audit = new AuditService({ pruneBefore } as unknown as AuditRepository, { now: () => now } as Clock, { audit_retention: 86_400 } as DatabaseConfig, createRootLogger('silent'));
    expect(await audit.prune()).toBe(3);
    expect(pruneBefore).toHaveBeenCalledWith(new Date('2026-12-01T00:00:00Z'));
  });
});
