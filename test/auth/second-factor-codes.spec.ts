import { acrOf, papePolicies, PAPE_POLICY_MULTI_FACTOR, wantsMultiFactor, withSecondFactor } from '../../src/auth/factors/assurance.js';
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
});
