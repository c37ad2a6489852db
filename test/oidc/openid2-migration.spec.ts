import type { DomainConfig } from '../../src/config/config.schema.js';
import {
  MAX_OPENID2_REALM_BYTES,
  claimedIdentifierFor,
  openid2IdClaims,
  openid2IdFor,
  requestsOpenid2,
  verifyOpenid2Request,
  withoutOpenid2Scope,
  type Openid2RefusalReason,
} from '../../src/oidc/openid2-migration.js';
import { OPENID_INPUT_LIMITS } from '../../src/auth/endpoint.service.js';
import { RealmPolicy } from '../../src/realm/realm-policy.service.js';
import { realmSettings } from '../realm/helpers.js';

// OpenID 2.0 to OpenID Connect Migration 1.0 ("Migration"): §2 (the `openid2` scope and the
// `openid2_realm` parameter), §3 (the realm must match the redirect URI by OpenID 2.0 §9.2), §4
// (`openid2_id` in the ID token, or no claim), §4.1 (no new error: a failed check is a refusal,
// never an exception).

const DOMAIN = { name: 'example.org', base_url: 'https://example.org' } as DomainConfig;
const SCOPE = 'openid openid2';
const ALICE = 'https://example.org/openid/alice';

type Case = { title: string; realm: unknown; redirectUri: string; refused?: Openid2RefusalReason };

// Each case names the OpenID 2.0 §9.2 rule (or the input rule of src/protocol/realm.ts) it tests.
// No `refused`: the realm covers the redirect URI and the claim is issued.
const CASES: Case[] = [
  // §9.2 "the URL scheme and port are equal", "the URL's domain is equal", path equal or below.
  { title: 'origin realm covers a callback below it', realm: 'https://rp.example/', redirectUri: 'https://rp.example/cb' },
  { title: 'realm equal to the redirect URI', realm: 'https://rp.example/cb', redirectUri: 'https://rp.example/cb' },
  // A realm without a path is the origin: its path is "/" (WHATWG URL, RFC 3986 §6.2.3).
  { title: 'realm without a path is the origin', realm: 'https://rp.example', redirectUri: 'https://rp.example/auth/cb' },
  // Scheme and host compare case-insensitively (RFC 3986 §3.1, §3.2.2).
  { title: 'scheme and host case do not matter', realm: 'HTTPS://RP.Example/', redirectUri: 'https://rp.example/cb' },

  // §9.2 wildcard: "*." at the start of the authority; the trailing part of the domain equals the
  // part after "*.", in whole labels.
  { title: 'wildcard covers a subdomain', realm: 'https://*.rp.example/', redirectUri: 'https://app.rp.example/cb' },
  { title: 'wildcard covers deeper subdomains', realm: 'https://*.rp.example/', redirectUri: 'https://a.b.rp.example/cb' },
  { title: 'wildcard covers the domain itself (python-openid agrees)', realm: 'https://*.rp.example/', redirectUri: 'https://rp.example/cb' },
  { title: 'wildcard matches whole labels only: badrp.example is not under *.rp.example', realm: 'https://*.rp.example/', redirectUri: 'https://badrp.example/cb', refused: 'realm_mismatch' },
  { title: 'wildcard realm does not cover a sibling domain', realm: 'https://*.rp.example/', redirectUri: 'https://rp.example.evil/cb', refused: 'realm_mismatch' },
  { title: 'a realm without wildcard does not cover its subdomains', realm: 'https://rp.example/', redirectUri: 'https://app.rp.example/cb', refused: 'realm_mismatch' },
  { title: 'wildcard anywhere but the leftmost label is not a realm', realm: 'https://app.*.rp.example/', redirectUri: 'https://app.x.rp.example/cb', refused: 'invalid_realm' },
  { title: 'wildcard never applies to an IP address', realm: 'https://*.0.0.1/', redirectUri: 'https://127.0.0.1/cb', refused: 'invalid_realm' },
  // §9.2: OPs are RECOMMENDED to protect users from overly general realms.
  { title: 'over-broad wildcard over a public suffix', realm: 'https://*.com/', redirectUri: 'https://app.com/cb', refused: 'over_broad_realm' },
  { title: 'over-broad wildcard over a private public suffix', realm: 'https://*.github.io/', redirectUri: 'https://someone.github.io/cb', refused: 'over_broad_realm' },
  { title: 'bare "*" realm', realm: 'https://*/', redirectUri: 'https://rp.example/cb', refused: 'over_broad_realm' },

  // §9.2 "the URL scheme and port are equal": an absent port is the scheme's default.
  { title: 'explicit port on both sides', realm: 'https://rp.example:8443/', redirectUri: 'https://rp.example:8443/cb' },
  { title: 'explicit default port equals no port', realm: 'https://rp.example:443/', redirectUri: 'https://rp.example/cb' },
  { title: 'no port in the realm, another port in the redirect URI', realm: 'https://rp.example/', redirectUri: 'https://rp.example:8443/cb', refused: 'realm_mismatch' },
  { title: 'another port in the realm than in the redirect URI', realm: 'https://rp.example:8443/', redirectUri: 'https://rp.example:9443/cb', refused: 'realm_mismatch' },
  { title: 'a realm with port 80 on https is not https on 443', realm: 'https://rp.example:80/', redirectUri: 'https://rp.example/cb', refused: 'realm_mismatch' },

  // §9.2 scheme rule; only http(s) URLs are realms.
  { title: 'http realm does not cover an https redirect URI', realm: 'http://rp.example/', redirectUri: 'https://rp.example/cb', refused: 'realm_mismatch' },
  { title: 'https realm does not cover an http redirect URI', realm: 'https://rp.example/', redirectUri: 'http://rp.example/cb', refused: 'realm_mismatch' },
  { title: 'http loopback realm and redirect URI (a native app, RFC 8252 §7.3)', realm: 'http://127.0.0.1:8080/', redirectUri: 'http://127.0.0.1:8080/cb' },
  { title: 'IPv6 loopback', realm: 'http://[::1]:8080/', redirectUri: 'http://[0:0:0:0:0:0:0:1]:8080/cb' },
  { title: 'a custom-scheme redirect URI is not covered by any realm', realm: 'https://rp.example/', redirectUri: 'com.example.app:/oauth2redirect', refused: 'invalid_redirect_uri' },
  { title: 'a realm that is not http(s)', realm: 'ftp://rp.example/', redirectUri: 'https://rp.example/cb', refused: 'invalid_realm' },
  { title: 'a relative realm', realm: '/cb', redirectUri: 'https://rp.example/cb', refused: 'invalid_realm' },
  { title: 'userinfo in the realm (it only misleads)', realm: 'https://rp.example@evil.example/', redirectUri: 'https://evil.example/cb', refused: 'invalid_realm' },

  // §9.2 path: "equal to or a sub-directory of the realm's path", on a segment boundary.
  { title: 'path realm covers a callback below it', realm: 'https://rp.example/app/', redirectUri: 'https://rp.example/app/cb' },
  { title: 'path realm without trailing slash covers its subdirectory', realm: 'https://rp.example/app', redirectUri: 'https://rp.example/app/cb' },
  { title: 'path realm does not cover a sibling path', realm: 'https://rp.example/app/', redirectUri: 'https://rp.example/other/cb', refused: 'realm_mismatch' },
  { title: 'path prefix must end on a boundary: /app does not cover /application', realm: 'https://rp.example/app', redirectUri: 'https://rp.example/application/cb', refused: 'realm_mismatch' },
  { title: 'path realm does not cover its parent', realm: 'https://rp.example/app/cb/', redirectUri: 'https://rp.example/app/', refused: 'realm_mismatch' },
  { title: 'dot segments are resolved before matching (RFC 3986 §6.2.2.3)', realm: 'https://rp.example/app/', redirectUri: 'https://rp.example/app/../admin/cb', refused: 'realm_mismatch' },
  { title: 'percent-encoded unreserved characters equal the characters (RFC 3986 §6.2.2.2)', realm: 'https://rp.example/%7Euser/', redirectUri: 'https://rp.example/~user/cb' },
  { title: 'a query in the redirect URI is below the realm path', realm: 'https://rp.example/cb', redirectUri: 'https://rp.example/cb?tenant=1' },

  // §9.2 "A realm MUST NOT contain a URI fragment"; a fragment on the redirect side never reaches
  // the server and is ignored (oidc-provider refuses such redirect URIs at registration anyway,
  // RFC 6749 §3.1.2).
  { title: 'realm with a fragment', realm: 'https://rp.example/#top', redirectUri: 'https://rp.example/cb', refused: 'invalid_realm' },
  { title: 'realm with an empty fragment', realm: 'https://rp.example/#', redirectUri: 'https://rp.example/cb', refused: 'invalid_realm' },
  { title: 'fragment of the redirect URI ignored', realm: 'https://rp.example/', redirectUri: 'https://rp.example/cb#x' },

  // Hosts compare in their normalised ASCII form (IDNA, src/protocol/realm.ts).
  { title: 'non-ASCII realm host equals its punycode', realm: 'https://bücher.example/', redirectUri: 'https://xn--bcher-kva.example/cb' },
  { title: 'punycode realm equals the Unicode redirect host', realm: 'https://*.xn--bcher-kva.example/', redirectUri: 'https://shop.bücher.example/cb' },
  { title: 'non-ASCII path equals its percent-encoding', realm: 'https://rp.example/ñandú/', redirectUri: 'https://rp.example/%C3%B1and%C3%BA/cb' },
  { title: 'a look-alike Cyrillic host is another host', realm: 'https://rp.example/', redirectUri: 'https://rр.example/cb', refused: 'realm_mismatch' },
  { title: 'a trailing dot names another origin', realm: 'https://rp.example./', redirectUri: 'https://rp.example/cb', refused: 'realm_mismatch' },

  // Input rules (src/protocol/realm.ts): no control characters, spaces or backslashes, which WHATWG
  // parsing would silently drop or rewrite.
  { title: 'NUL byte in the realm', realm: 'https://rp.example/\u0000', redirectUri: 'https://rp.example/cb', refused: 'invalid_realm' },
  { title: 'NUL byte in the realm host', realm: 'https://rp.example\u0000.evil/', redirectUri: 'https://rp.example/cb', refused: 'invalid_realm' },
  { title: 'NUL byte in the redirect URI', realm: 'https://rp.example/', redirectUri: 'https://rp.example/cb\u0000', refused: 'invalid_redirect_uri' },
  { title: 'tab in the realm', realm: 'https://rp.exa\tmple/', redirectUri: 'https://rp.example/cb', refused: 'invalid_realm' },
  { title: 'backslash in the realm', realm: 'https://rp.example\\@evil.example/', redirectUri: 'https://evil.example/cb', refused: 'invalid_realm' },
  { title: 'lone surrogate in the realm', realm: 'https://rp.example/\ud800', redirectUri: 'https://rp.example/cb', refused: 'invalid_realm' },

  // Migration §2: openid2_realm is REQUIRED, one string.
  { title: 'no openid2_realm', realm: undefined, redirectUri: 'https://rp.example/cb', refused: 'missing_realm' },
  { title: 'empty openid2_realm', realm: '', redirectUri: 'https://rp.example/cb', refused: 'missing_realm' },
  { title: 'openid2_realm sent twice', realm: ['https://rp.example/', 'https://rp.example/'], redirectUri: 'https://rp.example/cb', refused: 'missing_realm' },
  { title: 'openid2_realm that is not a string', realm: 42, redirectUri: 'https://rp.example/cb', refused: 'missing_realm' },
  { title: 'no redirect URI', realm: 'https://rp.example/', redirectUri: '', refused: 'invalid_redirect_uri' },
];

describe('OpenID 2.0 → Connect migration (Migration §2-§4, OpenID 2.0 §9.2)', () => {
  it.each(CASES)('$title', ({ realm, redirectUri, refused }) => {
    const decision = openid2IdFor({ scope: SCOPE, realm, redirectUri, claimedId: ALICE });
    if (refused === undefined) {
      expect(decision).toMatchObject({ kind: 'claim', claims: { openid2_id: ALICE } });
      expect(verifyOpenid2Request({ scope: SCOPE, realm, redirectUri }).kind).toBe('verified');
    } else {
      expect(decision).toEqual({ kind: 'refused', reason: refused, detail: expect.any(String) });
      // Migration §4: no claim on any refusal.
      expect(decision).not.toHaveProperty('claims');
    }
  });

  it('keeps the realm it verified, normalised (for the consent page and the log)', () => {
    const decision = openid2IdFor({ scope: SCOPE, realm: 'HTTPS://*.RP.example:443', redirectUri: 'https://app.rp.example/cb', claimedId: ALICE });
    expect(decision.kind === 'claim' && decision.realm.normalized).toBe('https://*.rp.example/');
  });

  describe('huge input', () => {
    it('caps the realm where the OpenID 2.0 endpoint does', () => {
      expect(MAX_OPENID2_REALM_BYTES).toBe(OPENID_INPUT_LIMITS.maxValueBytesByKey?.['openid.realm']);
    });

    it('refuses a realm longer than the OpenID 2.0 side accepts, before parsing it', () => {
      for (const size of [MAX_OPENID2_REALM_BYTES, 1024 * 1024]) {
        const realm = `https://rp.example/${'a'.repeat(size)}`;
        expect(verifyOpenid2Request({ scope: SCOPE, realm, redirectUri: `${realm}/cb` })).toMatchObject({ kind: 'refused', reason: 'realm_too_long' });
      }
    });

    it('counts bytes, not characters: 1,100 "é" are 2,200 bytes', () => {
      const realm = `https://rp.example/${'é'.repeat(1100)}`;
      expect(realm.length).toBeLessThan(MAX_OPENID2_REALM_BYTES);
      expect(verifyOpenid2Request({ scope: SCOPE, realm, redirectUri: 'https://rp.example/cb' })).toMatchObject({ kind: 'refused', reason: 'realm_too_long' });
    });

    it('accepts a realm of exactly the limit and matches it', () => {
      const prefix = 'https://rp.example/';
      const realm = `${prefix}${'a'.repeat(MAX_OPENID2_REALM_BYTES - prefix.length - 1)}/`;
      expect(Buffer.byteLength(realm)).toBe(MAX_OPENID2_REALM_BYTES);
      expect(openid2IdFor({ scope: SCOPE, realm, redirectUri: `${realm}cb`, claimedId: ALICE }).kind).toBe('claim');
    });

    it('keeps what it logs short: the detail quotes at most 200 characters of a value', () => {
      const realm = `https://rp.example/${'b'.repeat(1900)}#fragment`;
      const decision = verifyOpenid2Request({ scope: SCOPE, realm, redirectUri: 'https://rp.example/cb' });
      expect(decision).toMatchObject({ kind: 'refused', reason: 'invalid_realm' });
      expect(decision.kind === 'refused' && decision.detail.length).toBeLessThan(400);
      const redirect = verifyOpenid2Request({ scope: SCOPE, realm: 'https://rp.example/', redirectUri: `https://other.example/${'c'.repeat(100_000)}` });
      expect(redirect).toMatchObject({ kind: 'refused', reason: 'realm_mismatch' });
      expect(redirect.kind === 'refused' && redirect.detail.length).toBeLessThan(600);
    });
  });

  describe('the request (Migration §2)', () => {
    it('asks nothing without the openid2 scope, even with a matching realm', () => {
      for (const scope of ['openid', 'openid profile', 'openid openid2x', 'openid OPENID2', undefined]) {
        expect(openid2IdFor({ scope, realm: 'https://rp.example/', redirectUri: 'https://rp.example/cb', claimedId: ALICE }), String(scope)).toEqual({ kind: 'not_requested' });
      }
    });

    it('reads the scope as space-delimited, case-sensitive values, or as a list', () => {
      expect(requestsOpenid2('openid2')).toBe(true);
      expect(requestsOpenid2('profile openid2 openid')).toBe(true);
      expect(requestsOpenid2(['openid', 'openid2'])).toBe(true);
      expect(requestsOpenid2(new Set(['openid']))).toBe(false);
      expect(requestsOpenid2('openid,openid2')).toBe(false);
    });

    it('removes the openid2 scope from a request that failed the check, and only it', () => {
      expect(withoutOpenid2Scope('openid openid2 profile')).toBe('openid profile');
      expect(withoutOpenid2Scope('openid2 openid openid2')).toBe('openid');
      expect(withoutOpenid2Scope('openid2')).toBeUndefined();
      expect(withoutOpenid2Scope('openid openid2x')).toBe('openid openid2x');
      expect(withoutOpenid2Scope(undefined)).toBeUndefined();
    });
  });

  describe('the claim (Migration §4)', () => {
    it('is the identifier the OpenID 2.0 side asserts: canonical, lower-cased, percent-encoded', () => {
      expect(claimedIdentifierFor(DOMAIN, 'alice')).toBe(ALICE);
      expect(claimedIdentifierFor(DOMAIN, 'ñandú')).toBe('https://example.org/openid/%C3%B1and%C3%BA');
    });

    it('is a JSON string, and absent when the user has no OpenID 2.0 identifier', () => {
      const claim = openid2IdFor({ scope: SCOPE, realm: 'https://rp.example/', redirectUri: 'https://rp.example/cb', claimedId: ALICE });
      expect(claim.kind === 'claim' && JSON.parse(JSON.stringify(claim.claims))).toEqual({ openid2_id: ALICE });
      expect(openid2IdFor({ scope: SCOPE, realm: 'https://rp.example/', redirectUri: 'https://rp.example/cb', claimedId: undefined })).toMatchObject({ kind: 'refused', reason: 'no_identifier' });
      expect(openid2IdFor({ scope: SCOPE, realm: 'https://rp.example/', redirectUri: 'https://rp.example/cb', claimedId: '' })).toMatchObject({ kind: 'refused', reason: 'no_identifier' });
    });

    it('is released at token time only while the granted scope holds openid2', () => {
      expect(openid2IdClaims({ scope: 'openid openid2', claimedId: ALICE })).toEqual({ openid2_id: ALICE });
      expect(openid2IdClaims({ scope: withoutOpenid2Scope('openid openid2'), claimedId: ALICE })).toEqual({});
      expect(openid2IdClaims({ scope: 'openid openid2', claimedId: undefined })).toEqual({});
    });
  });

  describe("with the operator's realm policy (src/realm/realm-policy.service.ts)", () => {
    const strict = new RealmPolicy(realmSettings({ allow_http: false, allow_ip_hosts: false, denied: ['https://*.blocked.example/'] }));

    it.each([
      ['http://rp.example/', 'http://rp.example/cb'],
      ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080/cb'],
      ['https://app.blocked.example/', 'https://app.blocked.example/cb'],
    ])('refuses %s as the OpenID 2.0 endpoint would', (realm, redirectUri) => {
      expect(verifyOpenid2Request({ scope: SCOPE, realm, redirectUri, policy: strict })).toMatchObject({ kind: 'refused', reason: 'realm_policy' });
      // Without the policy, the §9.2 match alone holds.
      expect(verifyOpenid2Request({ scope: SCOPE, realm, redirectUri }).kind).toBe('verified');
    });

    it('still verifies a realm the policy serves', () => {
      expect(verifyOpenid2Request({ scope: SCOPE, realm: 'https://*.rp.example/', redirectUri: 'https://a.rp.example/cb', policy: strict }).kind).toBe('verified');
    });
  });
});
