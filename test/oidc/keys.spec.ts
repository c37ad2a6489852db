import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { inject } from 'vitest';
import { parseConfig } from '../../src/config/config.loader.js';
import { type AppDataSource, createDataSource, runMigrations } from '../../src/database/data-source.js';
import { jwkThumbprint } from '../../src/oidc/keys/jwk-thumbprint.js';
import { OidcSigningKey } from '../../src/oidc/keys/oidc-signing-key.entity.js';
import { OidcSigningKeyRepository } from '../../src/oidc/keys/oidc-signing-key.repository.js';
import { OidcSigningKeysService, SigningKeyRefused } from '../../src/oidc/keys/oidc-signing-keys.service.js';
import { newOperatorKey, readKeyFile, replaceKeyFile } from '../../src/secrets/key-file.js';
import { KeyRing } from '../../src/secrets/key-ring.js';
import { TestClock } from '../helpers/clock.js';
import { withFreshDatabase } from '../helpers/databases.js';

// The OpenID Connect signing keys (OidcSigningKeys): generated once, sealed at rest, rotated with
// the old keys kept for oidc.keys.retain_for, removed only after that.

const RETAIN = 7 * 86400;

async function open(database: { url: string } | { embedded_dir: string }): Promise<AppDataSource> {
  const ds = await createDataSource(parseConfig({ domains: [{ name: 'example.org', base_url: 'https://example.org' }], database }, null));
  await ds.initialize();
  await runMigrations(ds);
  return ds;
}

/** `work` gets a way to open data sources on one empty database of its own (two on PostgreSQL: two instances). */
async function withOwnDatabase(work: (open: () => Promise<AppDataSource>, instances: number) => Promise<void>): Promise<void> {
  if (inject('databaseUrl') === null) {
    const ds = await open({ embedded_dir: 'memory://' });
    try {
      await work(() => Promise.resolve(ds), 1);
    } finally {
      await ds.destroy();
    }
    return;
  }
  await withFreshDatabase('openid_provider_oidc_keys', async (url) => {
    const opened: AppDataSource[] = [];
    try {
      await work(async () => {
        const ds = await open({ url });
        opened.push(ds);
        return ds;
      }, 2);
    } finally {
      await Promise.all(opened.map((ds) => ds.destroy()));
    }
  });
}

function keyRing(): KeyRing {
  const file = join(mkdtempSync(join(tmpdir(), 'op-oidc-keys-')), 'operator.keys');
  replaceKeyFile(file, [newOperatorKey(new Date())]);
  return new KeyRing(file, readKeyFile(file), {}, 0);
}

function service(ds: AppDataSource, ring: KeyRing, clock: TestClock): OidcSigningKeysService {
  return new OidcSigningKeysService(new OidcSigningKeyRepository(ds.getRepository(OidcSigningKey)), ring, clock, { keys: { retain_for: RETAIN } });
}

describe('RFC 7638 thumbprint', () => {
  it('matches the example of RFC 7638 §3.1', () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    expect(() => jwkThumbprint({ kty: 'oct', k: 'AAAA' })).toThrow(TypeError);
  });
});

describe('OpenID Connect signing keys', () => {
  it('are generated once, even by concurrent callers on two instances; usable private JWKs with kid = thumbprint, alg, use sig; sealed at rest', async () => {
    await withOwnDatabase(async (openDs, instances) => {
      const ring = keyRing();
      const clock = new TestClock(new Date());
      const a = await openDs();
      const b = instances > 1 ? await openDs() : a;
      const callers = [service(a, ring, clock), service(b, ring, clock), service(a, ring, clock), service(b, ring, clock)];
      const sets = await Promise.all(callers.map((s) => s.current()));
      for (const set of sets) expect(set).toEqual(sets[0]);
      expect(((await a.query('SELECT count(*)::int AS n FROM oidc_signing_keys')) as { n: number }[])[0]!.n).toBe(2);
      const keys = sets[0]!.jwks.keys;
      expect(keys.map((k) => [k.alg, k.use, k.kty])).toEqual([
        ['RS256', 'sig', 'RSA'],
        ['ES256', 'sig', 'EC'],
      ]);
      for (const jwk of keys) {
        expect(jwk.kid).toBe(jwkThumbprint(jwk));
        expect(typeof jwk.d).toBe('string');
        // The private key signs, the public one (what the JWKS endpoint publishes) verifies.
        const privateKey = createPrivateKey({ key: jwk as never, format: 'jwk' });
        const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
        const signature = sign('sha256', Buffer.from('payload'), jwk.kty === 'EC' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey);
        expect(verify('sha256', Buffer.from('payload'), jwk.kty === 'EC' ? { key: createPublicKey({ key: pub as never, format: 'jwk' }), dsaEncoding: 'ieee-p1363' } : createPublicKey({ key: pub as never, format: 'jwk' }), signature)).toBe(true);
      }
      expect(createPrivateKey({ key: keys[0] as never, format: 'jwk' }).asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect(keys[1]!.crv).toBe('P-256');
      // A later call answers the same set without generating.
      expect(await callers[0]!.current()).toEqual(sets[0]);

      // Sealed at rest: no JWK "d" parameter, no private value, in any column.
      const dump = JSON.stringify(await a.query(`SELECT "kid", "alg", "key_id", encode("iv", 'hex') AS iv, encode("sealed_jwk", 'escape') AS sealed FROM "oidc_signing_keys"`));
      expect(dump).not.toMatch(/"d"\s*:/);
      for (const jwk of keys) expect(dump).not.toContain(jwk.d);
      // Under another operator key file they do not open: current() fails rather than sign with nothing.
      await expect(service(a, keyRing(), clock).current()).rejects.toThrow(/is sealed under operator key/);
    });
  }, 60_000);

  it('oidc-provider takes the set as its jwks and publishes the public keys only, under their kids', async () => {
    await withOwnDatabase(async (openDs) => {
      const keys = service(await openDs(), keyRing(), new TestClock(new Date()));
      await keys.current();
      await keys.rotate();
      const set = await keys.current();
      const provider = new Provider('http://127.0.0.1', { jwks: set.jwks, features: { devInteractions: { enabled: false } } });
      const server = provider.listen(0);
      try {
        await new Promise((resolve) => server.once('listening', resolve));
        const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`);
        expect(response.status).toBe(200);
        const published = (await response.json()) as { keys: Record<string, unknown>[] };
        expect(published.keys.map((k) => [k['kid'], k['alg'], k['use']])).toEqual(set.jwks.keys.map((k) => [k.kid, k.alg, 'sig']));
        for (const k of published.keys) for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(k).not.toHaveProperty(secret);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  }, 60_000);

  it('rotate: new active keys first, old ones still published until retired_at + retain_for, then dropped; the fingerprint follows; remove only past retention', async () => {
    await withOwnDatabase(async (openDs) => {
      const ds = await openDs();
      const clock = new TestClock(new Date('2030-01-01T00:00:00Z'));
      const keys = service(ds, keyRing(), clock);
      const first = await keys.current();
      clock.advance(60);
      const made = await keys.rotate();
      const second = await keys.current();
      expect(second.fingerprint).not.toBe(first.fingerprint);
      expect(second.jwks.keys.slice(0, 2).map((k) => [k.alg, k.kid])).toEqual(made.map((m) => [m.alg, m.kid]));
      expect(new Set(second.jwks.keys.slice(2).map((k) => k.kid))).toEqual(new Set(first.jwks.keys.map((k) => k.kid)));
      const listed = await keys.list();
      expect(listed.filter((k) => k.state === 'active').map((k) => k.kid).sort()).toEqual(made.map((m) => m.kid).sort());
      const old = listed.filter((k) => k.state === 'retired');
      expect(old.map((k) => k.publishedUntil?.toISOString())).toEqual(['2030-01-08T00:01:00.000Z', '2030-01-08T00:01:00.000Z']);

      // Removal: never the active key, not a retired key still published, not an unknown kid.
      await expect(keys.remove(made[0]!.kid)).rejects.toThrow(/is the active RS256 key/);
      await expect(keys.remove(old[0]!.kid)).rejects.toThrow(/still published until 2030-01-08T00:01:00.000Z/);
      await expect(keys.remove('no-such-kid')).rejects.toBeInstanceOf(SigningKeyRefused);

      clock.advance(RETAIN - 1);
      expect((await keys.current()).jwks.keys).toHaveLength(4);
      clock.advance(1);
      const third = await keys.current();
      expect(third.jwks.keys.map((k) => k.kid)).toEqual(made.map((m) => m.kid));
      expect(third.fingerprint).not.toBe(second.fingerprint);
      expect((await keys.list()).filter((k) => k.state === 'expired')).toHaveLength(2);
      for (const k of old) await keys.remove(k.kid);
      expect((await keys.list()).map((k) => k.kid).sort()).toEqual(made.map((m) => m.kid).sort());
      expect((await keys.current()).fingerprint).toBe(third.fingerprint);
    });
  }, 60_000);

  it('re-seals every signing key under a new operator key (keys rotate), still opening to the same keys', async () => {
    await withOwnDatabase(async (openDs) => {
      const ds = await openDs();
      const file = join(mkdtempSync(join(tmpdir(), 'op-oidc-keys-')), 'operator.keys');
      const k1 = newOperatorKey(new Date());
      replaceKeyFile(file, [k1]);
      const clock = new TestClock(new Date());
      const before = await service(ds, new KeyRing(file, readKeyFile(file), {}, 0), clock).current();
      const k2 = newOperatorKey(new Date());
      replaceKeyFile(file, [k1, k2]);
      const ring = new KeyRing(file, readKeyFile(file), {}, 0);
      expect(await service(ds, ring, clock).reseal()).toBe(2);
      expect(((await ds.query('SELECT DISTINCT key_id FROM oidc_signing_keys')) as { key_id: string }[]).map((r) => r.key_id)).toEqual([k2.id]);
      replaceKeyFile(file, [k2]);
      expect(await service(ds, new KeyRing(file, readKeyFile(file), {}, 0), clock).current()).toEqual(before);
    });
  }, 60_000);
});
