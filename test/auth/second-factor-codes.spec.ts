import {
  ACR_VALUES,
  acrOf,
  acrStepUp,
  PAPE_POLICY_MULTI_FACTOR,
  PAPE_POLICY_PHISHING_RESISTANT,
  papePolicies,
  papeStepUp,
  passkeyAmr,
  wantsMultiFactor,
  withSecondFactor,
} from '../../src/auth/factors/assurance.js';
import { base32, formatRecoveryCode, readCode } from '../../src/auth/factors/codes.js';

// The pure parts of second factors: base32 (RFC 4648 §10 vectors), what a typed code is, and the
// assurance a sign-in reports (RFC 8176 amr, PAPE 1.0 policies, acr).

const NONE = 'http://schemas.openid.net/pape/policies/2007/06/none';

describe('base32 (RFC 4648 §10 test vectors, without padding)', () => {
  it.each([
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ])('%j → %s', (input, expected) => {
    expect(base32(Buffer.from(input, 'ascii'))).toBe(expected);
  });

  it('makes recovery codes of 16 characters in groups of four', () => {
    expect(formatRecoveryCode(Buffer.alloc(10, 0xff))).toBe('7777-7777-7777-7777');
    expect(formatRecoveryCode(Buffer.from('foobarbazq', 'ascii'))).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
  });
});

describe('readCode', () => {
  it.each([
    ['123456', { kind: 'totp', token: '123456' }],
    [' 123 456 ', { kind: 'totp', token: '123456' }],
    ['123-456', { kind: 'totp', token: '123456' }],
    ['abcd-efgh-ijkl-mnop', { kind: 'recovery', code: 'ABCDEFGHIJKLMNOP' }],
    ['ABCDEFGHIJKL2345', { kind: 'recovery', code: 'ABCDEFGHIJKL2345' }],
  ])('%j is a code', (input, expected) => {
    expect(readCode(input)).toEqual(expected);
  });

  it.each(['', '12345', '1234567', '12\u00003456', '１２３４５６', 'ABCDEFGHIJKLMNO1', 'ABCDEFGHIJKLMNOPQ', '💥💥💥'])('%j is none', (input) => {
    expect(readCode(input)).toBeUndefined();
  });
});

describe('assurance (RFC 8176 amr, PAPE 1.0 §5.2, acr)', () => {
  it('a password alone, or the chat app alone, is one factor: none', () => {
    for (const amr of [['pwd'], ['xmpp']]) {
      expect(papePolicies(amr)).toEqual([]);
      expect(acrOf(amr)).toBe(NONE);
    }
  });

  it('a TOTP code adds otp and mfa; a recovery code mfa alone', () => {
    expect(withSecondFactor(['pwd'], 'totp')).toEqual(['pwd', 'otp', 'mfa']);
    expect(withSecondFactor(['xmpp'], 'totp')).toEqual(['xmpp', 'otp', 'mfa']);
    expect(withSecondFactor(['pwd'], 'recovery')).toEqual(['pwd', 'mfa']);
    // Given twice (a step-up of a session that has it): still one mfa at the end.
    expect(withSecondFactor(['pwd', 'otp', 'mfa'], 'totp')).toEqual(['pwd', 'otp', 'mfa']);
    expect(papePolicies(['pwd', 'mfa'])).toEqual([PAPE_POLICY_MULTI_FACTOR]);
    expect(acrOf(['pwd', 'otp', 'mfa'])).toBe(PAPE_POLICY_MULTI_FACTOR);
  });

  it('asks for a step-up only when multi-factor is requested', () => {
    expect(wantsMultiFactor([PAPE_POLICY_MULTI_FACTOR])).toBe(true);
    expect(wantsMultiFactor(['http://schemas.openid.net/pape/policies/2007/06/phishing-resistant'])).toBe(false);
    expect(wantsMultiFactor([])).toBe(false);
  });

  it('a passkey as second factor adds hwk and mfa: multi-factor and phishing-resistant (PAPE 1.0 §4), acr phishing-resistant', () => {
    const amr = withSecondFactor(['pwd'], 'webauthn');
    expect(amr).toEqual(['pwd', 'hwk', 'mfa']);
    expect(papePolicies(amr)).toEqual([PAPE_POLICY_MULTI_FACTOR, PAPE_POLICY_PHISHING_RESISTANT]);
    expect(acrOf(amr)).toBe(PAPE_POLICY_PHISHING_RESISTANT);
    // The client's first acr_value that is met (OpenID Connect Core 1.0 §3.1.2.1, in order of preference).
    expect(acrOf(amr, [PAPE_POLICY_MULTI_FACTOR, PAPE_POLICY_PHISHING_RESISTANT])).toBe(PAPE_POLICY_MULTI_FACTOR);
    expect(acrOf(['pwd', 'otp', 'mfa'], [PAPE_POLICY_PHISHING_RESISTANT])).toBe(PAPE_POLICY_MULTI_FACTOR);
    expect(ACR_VALUES).toContain(PAPE_POLICY_PHISHING_RESISTANT);
  });

  it('a passkey alone is hwk, and mfa only with user verification (NIST SP 800-63B multi-factor cryptographic authenticator)', () => {
    expect(passkeyAmr(true)).toEqual(['hwk', 'mfa']);
    expect(papePolicies(passkeyAmr(true))).toEqual([PAPE_POLICY_MULTI_FACTOR, PAPE_POLICY_PHISHING_RESISTANT]);
    expect(passkeyAmr(false)).toEqual(['hwk']);
    expect(papePolicies(passkeyAmr(false))).toEqual([PAPE_POLICY_PHISHING_RESISTANT]);
  });

  it('a synced passkey (WebAuthn flag BE) is swk, not hwk (RFC 8176 §2), and phishing-resistant all the same', () => {
    expect(passkeyAmr(true, true)).toEqual(['swk', 'mfa']);
    expect(papePolicies(passkeyAmr(true, true))).toEqual([PAPE_POLICY_MULTI_FACTOR, PAPE_POLICY_PHISHING_RESISTANT]);
    const second = withSecondFactor(['pwd'], 'webauthn', true);
    expect(second).toEqual(['pwd', 'swk', 'mfa']);
    expect(acrOf(second)).toBe(PAPE_POLICY_PHISHING_RESISTANT);
    expect(papeStepUp([PAPE_POLICY_PHISHING_RESISTANT], second, { factor: true, passkey: true })).toBeUndefined();
  });

  it('steps up to what the account can give: a passkey for phishing-resistant, any factor for multi-factor, nothing it cannot (PAPE 1.0 §5.1)', () => {
    const both = { factor: true, passkey: true };
    const appOnly = { factor: true, passkey: false };
    expect(papeStepUp([PAPE_POLICY_PHISHING_RESISTANT], ['pwd'], both)).toBe('passkey');
    expect(papeStepUp([PAPE_POLICY_PHISHING_RESISTANT], ['pwd', 'otp', 'mfa'], both)).toBe('passkey');
    expect(papeStepUp([PAPE_POLICY_PHISHING_RESISTANT], ['pwd', 'hwk', 'mfa'], both)).toBeUndefined();
    expect(papeStepUp([PAPE_POLICY_PHISHING_RESISTANT], ['pwd'], appOnly)).toBeUndefined();
    expect(papeStepUp([PAPE_POLICY_PHISHING_RESISTANT, PAPE_POLICY_MULTI_FACTOR], ['pwd'], appOnly)).toBe('factor');
    expect(papeStepUp([PAPE_POLICY_MULTI_FACTOR], ['pwd'], { factor: false, passkey: false })).toBeUndefined();
    // acr_values are alternatives: one met is enough; else the first the account can reach.
    expect(acrStepUp([PAPE_POLICY_PHISHING_RESISTANT, PAPE_POLICY_MULTI_FACTOR], ['pwd', 'otp', 'mfa'], both)).toBeUndefined();
    expect(acrStepUp([PAPE_POLICY_PHISHING_RESISTANT], ['pwd', 'otp', 'mfa'], both)).toBe('passkey');
    expect(acrStepUp([PAPE_POLICY_PHISHING_RESISTANT, PAPE_POLICY_MULTI_FACTOR], ['pwd'], appOnly)).toBe('factor');
    expect(acrStepUp([NONE, PAPE_POLICY_MULTI_FACTOR], ['pwd'], both)).toBeUndefined();
    expect(acrStepUp(['urn:other'], ['pwd'], both)).toBeUndefined();
  });
});
