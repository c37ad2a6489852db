import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/clock.js';
import { Random } from '../../src/common/random.js';
import { openidConfig } from '../../src/config/namespaces.js';
import { Association } from '../../src/association/association.entity.js';
import { AssociationRepository } from '../../src/association/association.repository.js';
import { AssociationService, associationData } from '../../src/association/association.service.js';
import { KeyRing } from '../../src/secrets/key-ring.js';
import { bootApp, testConfig, type TestApp } from '../helpers/test-app.js';

// The association and nonce store shared by all instances (OpenID 2.0 §8, §11.4.2.1).

describe('association store', () => {
  let t: TestApp;
  let associations: AssociationService;
  let repository: AssociationRepository;
  beforeAll(async () => {
    t = await bootApp(testConfig({ openid: { association_lifetime: 60, private_association_lifetime: 30 } }));
    associations = t.app.get(AssociationService, { strict: false });
    repository = t.app.get(AssociationRepository, { strict: false });
  });
  afterAll(() => t.close());

  it('keeps shared and private associations apart', async () => {
    const shared = await associations.create('shared', 'HMAC-SHA256');
    const priv = await associations.create('private', 'HMAC-SHA1');
    expect(shared.secret).toHaveLength(32);
    expect(priv.secret).toHaveLength(20);
    expect(await associations.find(shared.handle, 'shared')).toMatchObject({ handle: shared.handle, kind: 'shared' });
    expect(await associations.find(shared.handle, 'private')).toBeUndefined();
    expect(await associations.find(priv.handle, 'shared')).toBeUndefined();
    expect(await associations.find(priv.handle, 'private')).toMatchObject({ handle: priv.handle });
    expect(associations.expiresIn(shared)).toBe(60);
    expect(await associations.consumePrivate(priv)).toBe(true);
    expect(await associations.consumePrivate(priv)).toBe(false);
    expect(await associations.find('not a handle\n', 'shared')).toBeUndefined();
  });

  it('derives private associations from the handle: no row, the same key on every instance, nothing for an edited handle', async () => {
    const rows = async (): Promise<number> => ((await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM associations')) as { n: number }[])[0]!.n;
    const before = await rows();
    const priv = await associations.create('private', 'HMAC-SHA256');
    expect(priv.handle).toMatch(/^\d+\.P2\.[A-Za-z0-9]{32}$/);
    expect(priv.secret).toHaveLength(32);
    expect(await rows()).toBe(before);
    // Another instance (another process: nothing cached) derives the same key from the database.
    const fresh = new AssociationService(repository, t.app.get(openidConfig.KEY), t.app.get(Clock), t.app.get(Random), t.app.get(KeyRing));
    const found = await fresh.find(priv.handle, 'private');
    expect(found?.secret.equals(priv.secret)).toBe(true);
    expect(found?.assocType).toBe('HMAC-SHA256');
    // The handle carries its time and type: edited, it derives another key (or is not one at all).
    const [seconds, , random] = priv.handle.split('.');
    const asSha1 = await associations.find(`${seconds}.P1.${random}`, 'private');
    expect(asSha1?.secret.equals(priv.secret.subarray(0, 20))).toBe(false);
    const earlier = await associations.find(`${Number(seconds) - 1}.P2.${random}`, 'private');
    expect(earlier?.secret.equals(priv.secret)).toBe(false);
    // Outside its lifetime (30 s here), or from further than the skew in the future: nothing.
    expect(await associations.find(`${Number(seconds) - 31}.P2.${random}`, 'private')).toBeUndefined();
    expect(await associations.find(`${Number(seconds) + 120}.P2.${random}`, 'private')).toBeUndefined();
    // Single use through the ledger, across instances.
    expect(await associations.consumePrivate(priv)).toBe(true);
    expect(await associations.consumePrivate(priv)).toBe(false);
  });

  it('still verifies and consumes a stored private association of an earlier version', async () => {
    const handle = `${Math.floor(Date.now() / 1000)}.P.${'a'.repeat(32)}${Date.now()}`.slice(0, 60);
    const secret = Buffer.alloc(20, 7);
    const sealed = t.app.get(KeyRing).seal(secret, associationData(handle, 'private', 'HMAC-SHA1'));
    await repository.insert(
      Object.assign(new Association(), { handle, kind: 'private', assocType: 'HMAC-SHA1', keyId: sealed.keyId, iv: sealed.iv, sealedSecret: sealed.sealed, issuedAt: new Date(), expiresAt: new Date(Date.now() + 30_000) }),
    );
    const found = await associations.find(handle, 'private');
    expect(found?.secret.equals(secret)).toBe(true);
    expect(await associations.consumePrivate(found!)).toBe(true);
    expect(await associations.find(handle, 'private')).toBeUndefined();
  });

  it('accepts a nonce once, across concurrent attempts', async () => {
    const nonce = `2030-01-01T00:00:00Z${Date.now()}`;
    const results = await Promise.all([1, 2, 3, 4].map(() => repository.consumeNonce(nonce, new Date(Date.now() + 60_000))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('prunes expired associations and nonces only', async () => {
    const live = await associations.create('shared', 'HMAC-SHA1');
    const later = new Date(Date.now() + 61_000);
    await repository.consumeNonce(`2030-01-01T00:00:01Zprune${Date.now()}`, new Date(Date.now() + 1000));
    const removed = await repository.pruneExpiredBefore(later);
    expect(removed.associations).toBeGreaterThanOrEqual(1);
    expect(removed.nonces).toBeGreaterThanOrEqual(1);
    expect(await repository.findUnexpired(live.handle, 'shared', new Date())).toBeNull();
  });
});
