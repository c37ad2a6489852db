import { AssociationRepository } from '../../src/association/association.repository.js';
import { AssociationService } from '../../src/association/association.service.js';
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
    expect(await associations.consumePrivate(priv.handle)).toBe(true);
    expect(await associations.consumePrivate(priv.handle)).toBe(false);
    expect(await associations.find('not a handle\n', 'shared')).toBeUndefined();
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
