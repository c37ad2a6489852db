import { createHash, randomBytes } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';
import { inject } from 'vitest';
import { parseConfig } from '../../src/config/config.loader.js';
import { type AppDataSource, createDataSource, runMigrations } from '../../src/database/data-source.js';
import { OidcModel } from '../../src/oidc/storage/oidc-model.entity.js';
import { OidcModelRepository } from '../../src/oidc/storage/oidc-model.repository.js';
import { OidcStorageService } from '../../src/oidc/storage/oidc-storage.service.js';
import { readKeyFile } from '../../src/secrets/key-file.js';
import { KeyRing } from '../../src/secrets/key-ring.js';
import { TestClock } from '../helpers/clock.js';
import { useOwnDatabase } from '../helpers/databases.js';
import { testDatabase, testKeyFile } from '../helpers/test-app.js';

// oidc-provider's Adapter on the real database (embedded PGlite, or the run's PostgreSQL with
// TEST_DATABASE_URL): the semantics of its lib/adapters/memory_adapter.js, case by case, then
// through the real oidc-provider models.

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
const token = (): string => randomBytes(32).toString('base64url');

// A database of its own on PostgreSQL: pruning with a clock moved forward must not take rows of
// suites running beside this one.
const own = useOwnDatabase('openid_provider_oidc_storage');

async function openDataSource(): Promise<AppDataSource> {
  const ds = await createDataSource(parseConfig({ domains: [{ name: 'example.org', base_url: 'https://example.org' }], database: own.config().database ?? testDatabase() }, null));
  await ds.initialize();
  await runMigrations(ds);
  return ds;
}

function storageOn(ds: AppDataSource, clock: TestClock): OidcStorageService {
  return new OidcStorageService(new OidcModelRepository(ds.getRepository(OidcModel)), new KeyRing(testKeyFile(), readKeyFile(testKeyFile())), clock);
}

async function rawRow(ds: AppDataSource, model: string, id: string): Promise<Record<string, unknown> | undefined> {
  const rows = (await ds.query(`SELECT *, "payload"::text AS "payload_text" FROM "oidc_models" WHERE "model" = $1 AND "id" = $2`, [model, sha256(id)])) as Record<string, unknown>[];
  return rows[0];
}

describe('OpenID Connect storage (oidc_models)', () => {
  let ds: AppDataSource;
  let clock: TestClock;
  let storage: OidcStorageService;
  beforeAll(async () => {
    ds = await openDataSource();
    clock = new TestClock(new Date());
    storage = storageOn(ds, clock);
  });
  afterAll(() => ds.destroy());

  it('upsert then find gives the payload back with its jti; models are kept apart; replacing works', async () => {
    const at = storage.adapterFor('AccessToken');
    const id = token();
    const grantId = token();
    await at.upsert(id, { jti: id, kind: 'AccessToken', accountId: 'alice', clientId: 'app', grantId, scope: 'openid', iat: 1, exp: 2 }, 60);
    expect(await at.find(id)).toEqual({ jti: id, kind: 'AccessToken', accountId: 'alice', clientId: 'app', grantId, scope: 'openid', iat: 1, exp: 2 });
    expect(await storage.adapterFor('RefreshToken').find(id)).toBeUndefined();
    expect(await at.find(token())).toBeUndefined();
    await at.upsert(id, { jti: id, kind: 'AccessToken', accountId: 'alice', clientId: 'app', scope: 'openid profile' }, 60);
    expect(await at.find(id)).toEqual({ jti: id, kind: 'AccessToken', accountId: 'alice', clientId: 'app', scope: 'openid profile' });
    await at.destroy(id);
    expect(await at.find(id)).toBeUndefined();
    expect(await rawRow(ds, 'AccessToken', id)).toBeUndefined();
    expect(storage.adapterFor('AccessToken')).toBe(at);
    expect(() => storage.adapterFor('Access Token; DROP')).toThrow(TypeError);
  });

  it('a database dump gives no usable token, session cookie or client secret: ids hashed, secret fields sealed', async () => {
    const code = token();
    await storage.adapterFor('AuthorizationCode').upsert(code, { jti: code, kind: 'AuthorizationCode', grantId: 'g1', codeChallenge: 'x'.repeat(43) }, 60);
    const sessionId = token();
    const uid = token();
    await storage.adapterFor('Session').upsert(sessionId, { jti: sessionId, kind: 'Session', uid, accountId: 'alice' }, 600);
    const interaction = token();
    await storage.adapterFor('Interaction').upsert(interaction, { jti: interaction, kind: 'Interaction', session: { accountId: 'alice', uid, cookie: sessionId } }, 600);
    const client = 'dyn-client';
    const secret = token();
    await storage.adapterFor('Client').upsert(client, { client_id: client, client_secret: secret, redirect_uris: ['https://rp.example/cb'] });

    const dump = JSON.stringify(await ds.query(`SELECT "model", encode("id", 'hex') AS id, "payload"::text, "grant_id", "uid", encode("sealed", 'hex') AS sealed FROM "oidc_models"`));
    for (const value of [code, sessionId, interaction, secret]) expect(dump).not.toContain(value);
    expect((await rawRow(ds, 'AuthorizationCode', code))?.['sealed']).toBeNull(); // nothing secret besides the id
    expect((await rawRow(ds, 'Interaction', interaction))?.['payload_text']).toContain('"uid"');

    // …and oidc-provider gets everything back.
    expect(await storage.adapterFor('Interaction').find(interaction)).toEqual({ jti: interaction, kind: 'Interaction', session: { accountId: 'alice', uid, cookie: sessionId } });
    expect(await storage.adapterFor('Client').find(client)).toEqual({ jti: client, client_id: client, client_secret: secret, redirect_uris: ['https://rp.example/cb'] });
    expect(await storage.adapterFor('Session').findByUid(uid)).toEqual({ jti: sessionId, kind: 'Session', uid, accountId: 'alice' });
    expect(await storage.adapterFor('Interaction').findByUid(uid)).toBeUndefined(); // uid lookups are per model

    // A sealed part that does not open (tampered, or its operator key removed) reads as absent.
    await ds.query(`UPDATE "oidc_models" SET "iv" = $3 WHERE "model" = $1 AND "id" = $2`, ['Client', sha256(client), randomBytes(12)]);
    expect(await storage.adapterFor('Client').find(client)).toBeUndefined();
  });

  it('findByUserCode hashes the user code and gives back the device code with its id', async () => {
    const id = token();
    const userCode = 'WDJB-MJHT';
    await storage.adapterFor('DeviceCode').upsert(id, { jti: id, kind: 'DeviceCode', userCode, grantId: 'g2' }, 60);
    expect(await storage.adapterFor('DeviceCode').findByUserCode(userCode)).toEqual({ jti: id, kind: 'DeviceCode', userCode, grantId: 'g2' });
    expect(await storage.adapterFor('DeviceCode').findByUserCode('WDJB-MJHX')).toBeUndefined();
    expect(JSON.stringify(await rawRow(ds, 'DeviceCode', id))).not.toContain(userCode);
  });

  it('expired rows are never answered and are pruned; rows without expiresIn never expire', async () => {
    const local = new TestClock(new Date());
    const s = storageOn(ds, local);
    const id = token();
    const uid = token();
    await s.adapterFor('Session').upsert(id, { jti: id, uid, accountId: 'bob' }, 10);
    const forever = `client-${token()}`;
    await s.adapterFor('Client').upsert(forever, { client_id: forever });
    local.advance(9);
    expect(await s.adapterFor('Session').find(id)).toMatchObject({ accountId: 'bob' });
    local.advance(2);
    expect(await s.adapterFor('Session').find(id)).toBeUndefined();
    expect(await s.adapterFor('Session').findByUid(uid)).toBeUndefined();
    await expect(s.adapterFor('Session').consume(id)).rejects.toBeInstanceOf(errors.InvalidGrant);
    expect(await rawRow(ds, 'Session', id)).toBeDefined();
    expect(await s.pruneExpired()).toBeGreaterThanOrEqual(1);
    expect(await rawRow(ds, 'Session', id)).toBeUndefined();
    local.advance(365 * 86400);
    expect(await s.adapterFor('Client').find(forever)).toEqual({ jti: forever, client_id: forever });
  });

  it('consume marks the row once: find answers `consumed` (seconds), a second consume is refused and revokes the grant; upsert cannot clear it', async () => {
    const grantId = token();
    const code = token();
    const access = token();
    const codes = storage.adapterFor('AuthorizationCode');
    await codes.upsert(code, { jti: code, kind: 'AuthorizationCode', grantId }, 60);
    await storage.adapterFor('AccessToken').upsert(access, { jti: access, kind: 'AccessToken', grantId }, 60);
    await storage.adapterFor('Grant').upsert(grantId, { jti: grantId, kind: 'Grant', accountId: 'alice' }, 600);
    expect((await codes.find(code))?.consumed).toBeUndefined();
    await codes.consume(code);
    const found = await codes.find(code);
    expect(found?.consumed).toBe(Math.floor(clock.now().getTime() / 1000));
    await codes.upsert(code, { ...found!, consumed: undefined }, 60);
    expect((await codes.find(code))?.consumed).toBe(found!.consumed);
    // RFC 6749 §4.1.2: a code used twice revokes what was issued from it.
    await expect(codes.consume(code)).rejects.toMatchObject({ error: 'invalid_grant', statusCode: 400 });
    expect(await storage.adapterFor('AccessToken').find(access)).toBeUndefined();
    expect(await codes.find(code)).toBeUndefined();
    expect(await storage.adapterFor('Grant').find(grantId)).toBeUndefined();
    // Consuming what does not exist is a structured error too, not a crash.
    await expect(codes.consume(token())).rejects.toBeInstanceOf(errors.InvalidGrant);
    await expect(storage.adapterFor('PushedAuthorizationRequest').consume(token())).rejects.toMatchObject({ error: 'invalid_request' });
  });

  it('revokeByGrantId deletes every model of the grant, and only of that grant (the Grant itself is oidc-provider\'s to destroy)', async () => {
    const g = token();
    const other = token();
    const ids = { AccessToken: token(), RefreshToken: token(), AuthorizationCode: token() };
    for (const [model, id] of Object.entries(ids)) await storage.adapterFor(model).upsert(id, { jti: id, grantId: g }, 60);
    const kept = token();
    await storage.adapterFor('AccessToken').upsert(kept, { jti: kept, grantId: other }, 60);
    await storage.adapterFor('Grant').upsert(g, { jti: g, accountId: 'alice', clientId: 'app' }, 600);
    await storage.adapterFor('RefreshToken').revokeByGrantId(g);
    for (const [model, id] of Object.entries(ids)) expect(await storage.adapterFor(model).find(id)).toBeUndefined();
    expect(await storage.adapterFor('AccessToken').find(kept)).toMatchObject({ grantId: other });
    expect(await storage.adapterFor('Grant').find(g)).toMatchObject({ accountId: 'alice' });
    await storage.adapterFor('AccessToken').revokeByGrantId('no such grant');
  });

  it('bad, huge and NUL ids never crash: nothing found, nothing stored; unstorable payloads are invalid_request', async () => {
    const at = storage.adapterFor('AccessToken');
    for (const bad of ['', '\0', 'a\0b', 'x'.repeat(1_000_000), '\ud800', '💥'.repeat(1000), "'; DROP TABLE oidc_models; --"]) {
      expect(await at.find(bad)).toBeUndefined();
      expect(await at.findByUid(bad)).toBeUndefined();
      expect(await at.findByUserCode(bad)).toBeUndefined();
      await at.destroy(bad);
      await at.revokeByGrantId(bad);
      await expect(at.consume(bad)).rejects.toBeInstanceOf(errors.InvalidGrant);
    }
    const id = 'x'.repeat(100_000);
    await at.upsert(id, { jti: id, scope: 'openid' }, 60);
    expect(await at.find(id)).toEqual({ jti: id, scope: 'openid' });
    await expect(storage.adapterFor('Interaction').upsert(token(), { params: { state: 'a\0b' } }, 60)).rejects.toMatchObject({ error: 'invalid_request', statusCode: 400 });
    await expect(storage.adapterFor('Interaction').upsert(token(), { params: { ['k\0']: 'v' } }, 60)).rejects.toBeInstanceOf(errors.InvalidRequest);
    await expect(storage.adapterFor('Interaction').upsert(token(), { params: { state: '\udc00' } }, 60)).rejects.toBeInstanceOf(errors.InvalidRequest);
    await expect(storage.adapterFor('Session').upsert(token(), { uid: 'u'.repeat(300) }, 60)).rejects.toBeInstanceOf(errors.InvalidRequest);
    expect(((await ds.query(`SELECT count(*)::int AS n FROM "oidc_models" WHERE "payload"::text LIKE '%a\\u0000b%'`)) as { n: number }[])[0]!.n).toBe(0);
  });

  it('concurrent consumes of one code on one data source: exactly one wins', async () => {
    const code = token();
    await storage.adapterFor('AuthorizationCode').upsert(code, { jti: code, grantId: token() }, 60);
    const others = [storageOn(ds, clock), storageOn(ds, clock), storageOn(ds, clock)];
    const results = await Promise.allSettled([storage, ...others].map((s) => s.adapterFor('AuthorizationCode').consume(code)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(errors.InvalidGrant);
  });

  it('replay detection across instances: of concurrent first sightings of one jti, one is accepted', async () => {
    const providers = [storage, storageOn(ds, clock), storageOn(ds, clock)].map(
      (s) => new Provider('https://example.org', { adapter: (name: string) => s.adapterFor(name), features: { devInteractions: { enabled: false } } }),
    );
    const jti = token();
    const exp = Math.floor(clock.now().getTime() / 1000) + 60;
    const results = await Promise.allSettled(providers.map((p) => p.ReplayDetection.unique('app', jti, exp)));
    expect(results.filter((r) => r.status === 'fulfilled' && r.value === true)).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ error: 'invalid_request', statusCode: 400 });
    expect(await providers[0]!.ReplayDetection.unique('app', jti, exp)).toBe(false);
    // Once expired, the jti may be recorded again (its row is replaced, not kept forever).
    const later = new TestClock(new Date(clock.now().getTime() + 61_000));
    const again = new Provider('https://example.org', { adapter: (name: string) => storageOn(ds, later).adapterFor(name), features: { devInteractions: { enabled: false } } });
    expect(await again.ReplayDetection.unique('app', jti, exp + 61)).toBe(true);
  });

  it.runIf(inject('databaseUrl') !== null)('concurrent consumes from two data sources (two instances): exactly one wins, every time', async () => {
    const second = await openDataSource();
    try {
      const a = storage;
      const b = storageOn(second, clock);
      for (let round = 0; round < 20; round++) {
        const refresh = token();
        await a.adapterFor('RefreshToken').upsert(refresh, { jti: refresh, grantId: token() }, 60);
        const results = await Promise.allSettled([a.adapterFor('RefreshToken').consume(refresh), b.adapterFor('RefreshToken').consume(refresh)]);
        expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      }
    } finally {
      await second.destroy();
    }
  });

  describe('through the real oidc-provider', () => {
    let provider: Provider;
    beforeAll(() => {
      provider = new Provider('https://example.org', { adapter: (name: string) => storage.adapterFor(name), features: { devInteractions: { enabled: false } }, clients: [{ client_id: 'app', client_secret: 'a'.repeat(43), redirect_uris: ['https://rp.example/cb'] }] });
    });

    it('saves and finds tokens by their value; a reused authorization code is detected', async () => {
      expect(await provider.Client.find('nobody')).toBeUndefined();
      const client = (await provider.Client.find('app'))!;
      const grant = new provider.Grant({ accountId: 'alice', clientId: 'app' });
      grant.addOIDCScope('openid');
      const grantId = await grant.save();
      const code = new provider.AuthorizationCode({ client, gty: 'authorization_code', accountId: 'alice', grantId, scope: 'openid', redirectUri: 'https://rp.example/cb', acr: '0' });
      const value = await code.save();
      const found = await provider.AuthorizationCode.find(value);
      expect(found).toMatchObject({ accountId: 'alice', grantId, jti: value });
      expect((found as { consumed?: number } | undefined)?.consumed).toBeUndefined();
      await found!.consume();
      expect(((await provider.AuthorizationCode.find(value)) as { consumed?: number } | undefined)?.consumed).toEqual(expect.any(Number));
      await expect(found!.consume()).rejects.toBeInstanceOf(errors.InvalidGrant);
      expect(await provider.Grant.find(grantId)).toBeUndefined();
      expect(await provider.AuthorizationCode.find(value)).toBeUndefined();
      expect(await provider.AuthorizationCode.find('\0'.repeat(64))).toBeUndefined();
    });

    it('finds a session by uid (what interactions and expiresWithSession tokens do)', async () => {
      const session = new provider.Session();
      session.accountId = 'alice';
      await session.save(300);
      const byUid = await provider.Session.findByUid(session.uid);
      expect(byUid?.jti).toBe(session.jti);
      expect(byUid?.accountId).toBe('alice');
      expect(await provider.Session.find(session.jti)).toMatchObject({ uid: session.uid });
    });
  });
});
