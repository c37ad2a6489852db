import { createHash } from 'node:crypto';
import type { Logger as OrmLogger } from 'typeorm';
import { inject } from 'vitest';
import { seedRealm, seedUsername, seedUsersAndGrants } from '../../bench/seed.js';
import { Association, ProviderSecret, UsedNonce } from '../../src/association/association.entity.js';
import { AssociationRepository } from '../../src/association/association.repository.js';
import { AuditEvent } from '../../src/audit/audit.entity.js';
import { AuditRepository } from '../../src/audit/audit.repository.js';
import { LoginApproval } from '../../src/auth/approval/login-approval.entity.js';
import { LoginApprovalRepository } from '../../src/auth/approval/login-approval.repository.js';
import { OidcModel } from '../../src/oidc/storage/oidc-model.entity.js';
import { OidcModelRepository } from '../../src/oidc/storage/oidc-model.repository.js';
import { PendingRequest } from '../../src/auth/checkid/pending-request.entity.js';
import { PendingRequestRepository } from '../../src/auth/checkid/pending-request.repository.js';
import { LoginDeviceRepository } from '../../src/auth/login/login-device.repository.js';
import { LoginThrottleRepository } from '../../src/auth/login/login-throttle.repository.js';
import { Session } from '../../src/auth/session/session.entity.js';
import { SessionRepository } from '../../src/auth/session/session.repository.js';
import { parseConfig } from '../../src/config/config.loader.js';
import { AppDataSource, dataSourceOptions, runMigrations } from '../../src/database/data-source.js';
import { PrivateIdentifier } from '../../src/realm/private-identifier.entity.js';
import { PrivateIdentifierRepository } from '../../src/realm/private-identifier.repository.js';
import { TrustGrant } from '../../src/realm/trust-grant.entity.js';
import { TrustGrantRepository } from '../../src/realm/trust-grant.repository.js';
import { User } from '../../src/users/user.entity.js';
import { UsersRepository } from '../../src/users/users.repository.js';
import { withFreshDatabase } from '../helpers/databases.js';
import { fillPrunable } from '../helpers/prunable-rows.js';

// Scale (issue 10, point 5): on a database large enough that the planner has a choice (50,000
// accounts and trust grants made by the benchmark's seed, bench/seed.ts, and 50,000 rows in each
// pruned table, 1% of them expired), the statements of the hot paths and of pruning use their
// index, never a sequential scan. The SQL is not copied here: it is what the repositories send,
// recorded by a TypeORM logger, then run again under EXPLAIN (FORMAT JSON) with its parameters.
// enable_seqscan stays on: the plans are the ones PostgreSQL picks for the application.

const ROWS = 50_000;

interface Statement {
  sql: string;
  parameters: unknown[];
}

/** Records every statement the DataSource sends while `recording`. */
class Recorder implements OrmLogger {
  recording = false;
  statements: Statement[] = [];
  logQuery(sql: string, parameters?: unknown[]): void {
    if (this.recording) this.statements.push({ sql, parameters: parameters ?? [] });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}

  /** The statements `work` sent. */
  async capture(work: () => Promise<unknown>): Promise<Statement[]> {
    this.statements = [];
    this.recording = true;
    try {
      await work();
    } finally {
      this.recording = false;
    }
    return this.statements;
  }
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Conflict Arbiter Indexes'?: string[];
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe.runIf(inject('databaseUrl') !== null)('query plans on a large database (PostgreSQL)', () => {
  it('use an index for every hot lookup and every prune, never a sequential scan', { timeout: 180_000 }, async () => {
    await withFreshDatabase('openid_provider_explain', async (url) => {
      const recorder = new Recorder();
      const config = parseConfig({ domains: [{ name: 'example.org', base_url: 'https://example.org' }], database: { url } }, null);
      const ds = new AppDataSource({ ...(await dataSourceOptions(config)), logger: recorder, logging: ['query'] });
      await ds.initialize();
      try {
        await runMigrations(ds);
        expect(await seedUsersAndGrants(ds, ROWS, { domain: 'example.org' })).toMatchObject({ users: ROWS, grants: ROWS });
        // Seeding again adds nothing (it is idempotent).
        expect(await seedUsersAndGrants(ds, ROWS, { domain: 'example.org' })).toMatchObject({ users: 0, grants: 0 });
        await fillPrunable(ds, ROWS / 100, ROWS - ROWS / 100);
        // A private identifier for every account (src/realm/private-identifier.repository.ts).
        await ds.query(`INSERT INTO "private_identifiers" ("opaque", "user_id", "domain", "realm") SELECT md5("id"::text), "id", "domain", 'https://rp.example/' FROM "users"`);
        await ds.query('ANALYZE');

        const plan = async ({ sql, parameters }: Statement): Promise<PlanNode[]> => {
          const rows = (await ds.query(`EXPLAIN (FORMAT JSON) ${sql}`, parameters)) as { 'QUERY PLAN': [{ Plan: PlanNode }] }[];
          return nodes(rows[0]!['QUERY PLAN'][0].Plan);
        };
        /** The plan of each statement `work` sends: the `indexes` are scanned, no table is read whole. */
        const expectIndexes = async (what: string, work: () => Promise<unknown>, indexes: string[]): Promise<void> => {
          const statements = (await recorder.capture(work)).filter((s) => !/^(?:START TRANSACTION|COMMIT|ROLLBACK)/.test(s.sql));
          expect(statements.length, what).toBeGreaterThan(0);
          const used = new Set<string>();
          for (const statement of statements) {
            const all = await plan(statement);
            expect(all.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => `${what}: Seq Scan on ${n['Relation Name']}`)).toEqual([]);
            for (const n of all) if (n['Index Name'] && /Index( Only)? Scan/.test(n['Node Type'])) used.add(n['Index Name']);
            for (const n of all) for (const arbiter of n['Conflict Arbiter Indexes'] ?? []) used.add(`${arbiter} (ON CONFLICT)`);
          }
          expect({ what, used: [...used].sort() }).toEqual({ what, used: [...indexes].sort() });
        };

        const now = new Date();
        const users = new UsersRepository(ds.getRepository(User));
        const grants = new TrustGrantRepository(ds.getRepository(TrustGrant));
        const sessions = new SessionRepository(ds.getRepository(Session));
        const associations = new AssociationRepository(ds.getRepository(Association), ds.getRepository(UsedNonce), ds.getRepository(ProviderSecret));
        const user = (await users.findOne('example.org', seedUsername(31_337)))!;
        const [{ token }] = (await ds.query(`SELECT "token_hash" AS token FROM "sessions" WHERE "expires_at" > now() LIMIT 1`)) as [{ token: Buffer }];

        // W1 (identifier → account), W3 (session cookie → session and account; grant of the realm).
        await expectIndexes('user by (domain, username)', () => users.findOne('example.org', seedUsername(4242)), ['users_domain_username_key']);
        await expectIndexes('session and user by token hash', async () => expect(await sessions.findUnexpiredWithUser(token, now)).not.toBeNull(), ['sessions_token_hash_key', 'users_pkey']);
        await expectIndexes('trust grant by (user, realm)', async () => expect(await grants.find(user.id, seedRealm(31_337))).not.toBeNull(), ['trust_grants_user_realm_key']);
        // Private identifiers: discovery and checkid by opaque part, issue at an assertion, the identity page's list.
        const privateIds = new PrivateIdentifierRepository(ds.getRepository(PrivateIdentifier));
        const [{ opaque }] = (await ds.query(`SELECT "opaque" FROM "private_identifiers" WHERE "user_id" = $1`, [user.id])) as [{ opaque: string }];
        await expectIndexes('private identifier by opaque part', async () => expect(await privateIds.find('example.org', opaque)).toBeDefined(), ['private_identifiers_pkey', 'users_pkey']);
        await expectIndexes('private identifier issued', async () => expect(await privateIds.issue({ opaque: 'explain', userId: user.id, domain: 'example.org', realm: 'https://rp.example/' }, now)).toBe(opaque), ['private_identifiers_user_realm_key (ON CONFLICT)']);
        await expectIndexes('private identifiers of an account', () => privateIds.listFor(user.id), ['private_identifiers_user_realm_key']);
        // W4 and W5: the nonce ledger and shared associations.
        await expectIndexes('login attempt reserved', () => new LoginThrottleRepository(ds).reserve('account:example.org:explain', now, { max: 5, window: 900, backoffBase: 30, backoffMax: 3600 }), ['login_throttle_pkey (ON CONFLICT)']);
        await expectIndexes('nonce insert', () => associations.consumeNonce(`2026-12-02T00:00:00Zexplain`, now), ['used_nonces_pkey (ON CONFLICT)']);
        await expectIndexes('association by handle', () => associations.findUnexpired('h49000', 'shared', now), ['associations_pkey']);

        // Pruning, table by table.
        await expectIndexes('prune associations and nonces', () => associations.pruneExpiredBefore(now), ['associations_expires_at_idx', 'used_nonces_expires_at_idx']);
        await expectIndexes('prune sessions', () => sessions.pruneExpiredBefore(now), ['sessions_expires_at_idx']);
        await expectIndexes('prune pending requests', () => new PendingRequestRepository(ds.getRepository(PendingRequest)).pruneExpiredBefore(now), ['pending_requests_expires_at_idx']);
        await expectIndexes('prune approvals', () => new LoginApprovalRepository(ds.getRepository(LoginApproval)).pruneBefore(new Date(now.getTime() - 3600_000)), ['login_approvals_expires_at_idx']);
        await expectIndexes('prune throttle counters', () => new LoginThrottleRepository(ds).prune(new Date(now.getTime() - 900_000), now), ['login_throttle_last_failure_at_idx']);
        await expectIndexes('prune device cookies', () => new LoginDeviceRepository(ds).pruneExpired(now), ['login_devices_expires_at_idx']);
        await expectIndexes('prune history', () => new AuditRepository(ds.getRepository(AuditEvent)).pruneBefore(new Date(now.getTime() - 90 * 86_400_000)), ['audit_events_created_at_idx']);

        // OpenID Connect storage (src/oidc/storage): 50,000 models of four kinds, 1% expired.
        await ds.query(
          `INSERT INTO "oidc_models" ("model", "id", "payload", "grant_id", "uid", "user_code", "expires_at")
           SELECT (ARRAY['AccessToken', 'RefreshToken', 'Session', 'DeviceCode'])[1 + i % 4], sha256(('m' || i)::bytea), '{}'::jsonb, 'g' || (i / 4), 'u' || i,
                  CASE WHEN i % 4 = 3 THEN sha256(('c' || i)::bytea) END, now() + (CASE WHEN i % 100 = 0 THEN -1 ELSE 1 END) * interval '1 hour'
           FROM generate_series(1, $1) AS i`,
          [ROWS],
        );
        await ds.query('ANALYZE "oidc_models"');
        const oidc = new OidcModelRepository(ds.getRepository(OidcModel));
        const hash = (s: string): Buffer => createHash('sha256').update(s).digest();
        await expectIndexes('oidc model by id', () => oidc.find('AccessToken', hash('m4'), now), ['oidc_models_pkey']);
        await expectIndexes('oidc session by uid', () => oidc.findByUid('Session', 'u2', now), ['oidc_models_uid_idx']);
        await expectIndexes('oidc device code by user code', () => oidc.findByUserCode('DeviceCode', hash('c3'), now), ['oidc_models_user_code_idx']);
        await expectIndexes('oidc consume', () => oidc.consume('RefreshToken', hash('m5'), now), ['oidc_models_pkey']);
        await expectIndexes('oidc revoke by grant', () => oidc.deleteGrant('g77'), ['oidc_models_grant_id_idx']);
        await expectIndexes('prune oidc models', () => oidc.pruneExpiredBefore(now), ['oidc_models_expires_at_idx']);
      } finally {
        await ds.destroy();
      }
    });
  });
});
