import { createHash } from 'node:crypto';
import { checkAuthenticatorData, checkClientData, parseClientData, readAuthenticatorData, relyingPartyOf, signCountVerdict } from '../../src/auth/factors/webauthn-checks.js';

// The WebAuthn Level 3 checks made before the library verifies a signature (src/auth/factors/webauthn-checks.ts).

const RP = { rpId: 'example.org', origin: 'https://example.org' };

function authData(rpId: string, flags: number, signCount: number): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(signCount);
  return Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([flags]), count]);
}

describe('WebAuthn Level 3 checks', () => {
  it('takes the RP ID from the base URL host and the origin exactly (§5.1.2); no RP ID for an IP address or plain HTTP', () => {
    expect(relyingPartyOf('https://example.org')).toEqual(RP);
    expect(relyingPartyOf('https://Login.Example.org:8443/')).toEqual({ rpId: 'login.example.org', origin: 'https://login.example.org:8443' });
    expect(relyingPartyOf('https://localhost:8443')).toEqual({ rpId: 'localhost', origin: 'https://localhost:8443' });
    expect(relyingPartyOf('http://localhost:8080')).toEqual({ rpId: 'localhost', origin: 'http://localhost:8080' });
    expect(relyingPartyOf('https://127.0.0.1:8443')).toBeUndefined();
    expect(relyingPartyOf('https://[::1]:8443')).toBeUndefined();
    expect(relyingPartyOf('http://example.org')).toBeUndefined();
  });

  it('reads client data and refuses another type, origin, or a framed ceremony (§7.2 steps 11-14)', () => {
    const encode = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const data = parseClientData(encode({ type: 'webauthn.get', challenge: 'abc', origin: 'https://example.org', crossOrigin: false }))!;
    expect(checkClientData(data, 'webauthn.get', RP)).toBeUndefined();
    expect(checkClientData(data, 'webauthn.create', RP)).toBe('wrong_type');
    expect(checkClientData({ ...data, origin: 'https://example.org:444' }, 'webauthn.get', RP)).toBe('origin_mismatch');
    expect(checkClientData({ ...data, origin: 'https://evil.example.org' }, 'webauthn.get', RP)).toBe('origin_mismatch');
    expect(checkClientData({ ...data, crossOrigin: true }, 'webauthn.get', RP)).toBe('cross_origin');
    expect(checkClientData({ ...data, topOrigin: 'https://evil.example' }, 'webauthn.get', RP)).toBe('cross_origin');
    for (const bad of [undefined, 5, '', '***', encode('text'), encode({ type: 'webauthn.get', challenge: 1, origin: 'x' }), 'x'.repeat(9000)]) expect(parseClientData(bad)).toBeUndefined();
  });

  it('checks the RP ID hash, user presence, and user verification where required (§7.2 steps 15-17)', () => {
    expect(checkAuthenticatorData(readAuthenticatorData(authData('example.org', 0x05, 1))!, RP, 'required')).toBeUndefined();
    expect(checkAuthenticatorData(readAuthenticatorData(authData('example.org', 0x01, 1))!, RP, 'preferred')).toBeUndefined();
    expect(checkAuthenticatorData(readAuthenticatorData(authData('example.org', 0x01, 1))!, RP, 'required')).toBe('user_not_verified');
    expect(checkAuthenticatorData(readAuthenticatorData(authData('example.org', 0x04, 1))!, RP, 'preferred')).toBe('user_not_present');
    expect(checkAuthenticatorData(readAuthenticatorData(authData('evil.example', 0x05, 1))!, RP, 'preferred')).toBe('rp_id_mismatch');
    expect(readAuthenticatorData(authData('example.org', 0x05, 0x01020304))!.signCount).toBe(0x01020304);
    expect(readAuthenticatorData(Buffer.alloc(36))).toBeUndefined();
  });

  it('refuses a signature counter that did not move forward, unless both are zero (§7.2 step 22)', () => {
    expect(signCountVerdict(0, 0)).toBe('ok');
    expect(signCountVerdict(0, 1)).toBe('ok');
    expect(signCountVerdict(5, 6)).toBe('ok');
    expect(signCountVerdict(5, 5)).toBe('regression');
    expect(signCountVerdict(5, 4)).toBe('regression');
    expect(signCountVerdict(5, 0)).toBe('regression');
  });
});

describe('passkey names', () => {
  it('lose control and format characters (bidi overrides, zero-width), keep letters of any script, and stop at the limit', async () => {
    const { passkeyName } = await import('../../src/auth/account/factors.service.js');
    expect(passkeyName('Lap\u202Etop\u200B\u0000 key', 'Passkey')).toBe('Lap top key');
    expect(passkeyName('  Clé d’accès 🔑  ', 'Passkey')).toBe('Clé d’accès 🔑');
    expect(passkeyName('\u200B\u202E', 'Passkey')).toBe('Passkey');
    expect([...passkeyName('🔑'.repeat(200), 'Passkey')].every((c) => c === '🔑')).toBe(true);
  });
});
