import { hkdfSync, randomBytes } from 'node:crypto';
import { createDerivedHandle, derivePrivateMacKey, parseDerivedHandle } from '../../src/association/derived-private-association.js';

// RFC 5869 HKDF-SHA256 of the provider key with the handle as info; the handle says its own
// time and HMAC (OpenID 2.0 §6.2 key lengths).

const SALT = Buffer.from('openid-provider/private-association/v1');

describe('derived private associations', () => {
  it('derives exactly RFC 5869 HKDF-SHA256 (node:crypto hkdfSync), for both key lengths and any key', () => {
    for (let i = 0; i < 50; i += 1) {
      const key = randomBytes(32);
      const handle = createDerivedHandle(new Date(), i % 2 === 0 ? 'HMAC-SHA256' : 'HMAC-SHA1', randomBytes);
      const type = parseDerivedHandle(handle)!.assocType;
      const length = type === 'HMAC-SHA256' ? 32 : 20;
      const expected = Buffer.from(hkdfSync('sha256', key, SALT, Buffer.from(handle), length));
      expect(derivePrivateMacKey(key, handle, type).equals(expected)).toBe(true);
    }
  });

  it('reads its time and type back, and nothing from other handles', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const handle = createDerivedHandle(now, 'HMAC-SHA1', randomBytes);
    expect(handle).toMatch(/^1893456000\.P1\.[A-Za-z0-9]{32}$/);
    expect(parseDerivedHandle(handle)).toEqual({ issuedAt: now, assocType: 'HMAC-SHA1' });
    for (const other of ['1893456000.P.abc', '1893456000.S.' + 'a'.repeat(32), `1893456000.P3.${'a'.repeat(32)}`, `x.P2.${'a'.repeat(32)}`, `1893456000.P2.${'a'.repeat(31)}!`]) {
      expect(parseDerivedHandle(other), other).toBeUndefined();
    }
  });
});
