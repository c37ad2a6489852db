import { parseRealm, parseReturnTo, requestedRealm } from '../../src/protocol/realm.js';
import { checkReturnToInRealm, returnToMatchesEndpoints, returnToMatchesRealm } from '../../src/protocol/realm-match.js';
import { isOverBroad, realmForWildcardDiscovery } from '../../src/protocol/realm-policy.js';
import { parseOpenIdMessage } from '../../src/protocol/message.js';
import { expectThrowsNamed, loadVectors } from './vectors.js';

interface Vectors {
  parse: Array<{ title: string; input: string; expected: Record<string, unknown> }>;
  match: Array<{ title: string; input: { realm: string; returnTo: string }; expected?: boolean; error?: string }>;
  overBroad: Array<{ title: string; input: string; expected: boolean }>;
  discovery: Array<{ title: string; input: string; expected?: string; error?: string }>;
  endpoints: Array<{ title: string; input: { endpoints: string[]; returnTo: string }; expected: boolean }>;
}

const vectors = loadVectors<Vectors>('realm');

describe('Realms (OpenID 2.0 §9.2, §9.2.1)', () => {
  it('has at least 60 matching vectors', () => {
    expect(vectors.match.length).toBeGreaterThanOrEqual(60);
  });

  it.each(vectors.parse)('parse: $title', ({ input, expected }) => {
    const realm = parseRealm(input);
    expect({ ...realm, value: undefined }).toEqual({ ...expected, value: undefined });
    expect(realm.value).toBe(input);
    // The normalised form is itself a realm with the same meaning.
    expect(parseRealm(realm.normalized).normalized).toBe(realm.normalized);
  });

  it.each(vectors.match)('match: $title', ({ input, expected, error }) => {
    if (error === 'InvalidRealm') {
      const thrown = expectThrowsNamed(() => parseRealm(input.realm), error);
      expect((thrown as { allowRedirect?: boolean }).allowRedirect).toBe(false);
      return;
    }
    const realm = parseRealm(input.realm);
    if (error === 'InvalidReturnTo') {
      const thrown = expectThrowsNamed(() => parseReturnTo(input.returnTo), error);
      expect((thrown as { allowRedirect?: boolean }).allowRedirect).toBe(false);
      return;
    }
    expect(error).toBeUndefined();
    const returnTo = parseReturnTo(input.returnTo);
    expect(returnToMatchesRealm(realm, returnTo)).toBe(expected);
    if (expected) expect(checkReturnToInRealm(input.realm, input.returnTo).returnTo.value).toBe(input.returnTo);
    else expectThrowsNamed(() => checkReturnToInRealm(input.realm, input.returnTo), 'InvalidReturnTo');
  });

  it.each(vectors.overBroad)('over-broad: $title', ({ input, expected }) => {
    expect(isOverBroad(parseRealm(input))).toBe(expected);
  });

  it.each(vectors.discovery)('discovery URL: $title', ({ input, expected, error }) => {
    if (error) expectThrowsNamed(() => realmForWildcardDiscovery(parseRealm(input)), error);
    else expect(realmForWildcardDiscovery(parseRealm(input))).toBe(expected);
  });

  it.each(vectors.endpoints)('RP endpoints: $title', ({ input, expected }) => {
    expect(returnToMatchesEndpoints(input.endpoints, parseReturnTo(input.returnTo))).toBe(expected);
  });

  describe('requestedRealm (§9.1, §14.2.1)', () => {
    const NS2 = 'http://specs.openid.net/auth/2.0';
    const msg = (pairs: Array<[string, string]>) => parseOpenIdMessage(pairs);
    it('2.0: openid.realm', () => {
      expect(requestedRealm(msg([['openid.ns', NS2], ['openid.realm', 'https://*.rp.example/'], ['openid.return_to', 'https://a.rp.example/cb']]))).toBe('https://*.rp.example/');
    });
    it('2.0: defaults to return_to, fragment dropped', () => {
      expect(requestedRealm(msg([['openid.ns', NS2], ['openid.return_to', 'https://rp.example/cb?x=1#frag']]))).toBe('https://rp.example/cb?x=1');
    });
    it('2.0: realm MUST be sent if return_to is omitted', () => {
      expectThrowsNamed(() => requestedRealm(msg([['openid.ns', NS2], ['openid.mode', 'checkid_setup']])), 'InvalidRequest');
    });
    it('2.0: openid.trust_root is not the 2.0 parameter', () => {
      expect(requestedRealm(msg([['openid.ns', NS2], ['openid.trust_root', 'https://x.example/'], ['openid.return_to', 'https://rp.example/cb']]))).toBe('https://rp.example/cb');
    });
    it('1.1: openid.trust_root', () => {
      expect(requestedRealm(msg([['openid.trust_root', 'http://rp.example/'], ['openid.return_to', 'http://rp.example/cb']]))).toBe('http://rp.example/');
    });
    it('1.1: neither present', () => {
      expect(requestedRealm(msg([['openid.mode', 'checkid_setup']]))).toBeUndefined();
    });
  });
});
