// OpenID 2.0 → OpenID Connect migration (OpenID 2.0 to OpenID Connect Migration 1.0, final,
// April 2015; "Migration" below): whether an authorization request gets the `openid2_id` claim.
// Framework-free: plain values in, a discriminated union out; the provider (oidc.module.ts) wires
// it into oidc-provider.
//
// What the spec says, and what this file does with it:
//   - Migration §2: the RP asks for the OpenID 2.0 Identifier by adding the scope value `openid2`
//     to an ordinary authentication request, and sends its old `openid.realm` as the new
//     parameter `openid2_realm`. Without the `openid2` scope nothing is asked (`not_requested`),
//     whatever `openid2_realm` says: the spec moved away from Google's "a realm switches the
//     behaviour" on purpose (Migration Appendix B, §2).
//   - Migration §3: "the OP MUST verify that the realm and RP's Redirect URI matches as per
//     Section 9.2 of OpenID 2.0", so that an RP cannot obtain the identifier another RP knows.
//     The redirect URI plays the part of return_to: the realm must be a valid realm (OpenID 2.0
//     §9.2, src/protocol/realm.ts) and the redirect URI must match it (§9.2 scheme, port, domain
//     with wildcard, path; src/protocol/realm-match.ts). No realm, no verification: `openid2_realm`
//     is REQUIRED (Migration §2), so a request without one is refused too.
//   - OpenID 2.0 §9.2.1 (return_to verification by RP discovery) is not run. Migration §3 asks for
//     the §9.2 match only; §9.2.1 is a SHOULD of OpenID 2.0 about return_to URLs, and the Connect
//     redirect URI is never one of the RP's OpenID 2.0 endpoints (its XRDS lists the old
//     return_to), so requiring it would refuse every honest migration. The redirect URI is also
//     stronger evidence than discovery: the operator registered it, exactly, in `oidc.clients`.
//   - Migration §4: when the verification succeeded and the user has an OpenID 2.0 Identifier, the
//     ID token MUST carry it as the JSON string `openid2_id`; otherwise the claim MUST NOT appear.
//     Migration §4.1 defines no error response: a refused verification is not an error, the
//     sign-in goes on without the claim (`refused`, with a reason for the log).
//   - The identifier is the claimed identifier exactly as the OpenID 2.0 side asserts it for
//     identifier_select: `{base}/openid/{user}` with the normalised, percent-encoded localpart
//     (src/discovery/urls.ts identifierUrl, used by src/auth/checkid/build-response.ts). Every
//     account has one, on `accounts: xmpp` domains before the first sign-in too (discovery answers
//     for every valid localpart), so `claimedIdentifierFor` always finds one. (Should private
//     identifiers `{base}/openid/p/...` arrive, the one asserted to `realm.normalized` goes here
//     instead: that is why Migration §2 sends the realm at all.)
//   - Migration §9.1 (privacy): "the OP SHOULD make sure to ask the user if the user wants to
//     correlate": the consent page is to show the `openid2` scope as a line of its own ("let this
//     site link the OpenID it knew you by, {identifier}"), granted only when ticked.
//   - The operator's realm policy (`realm.*`: denied and allowed patterns, http and IP realms) is
//     applied when the caller passes RealmPolicy as `policy`: a realm the OpenID 2.0 endpoint
//     refuses then gets no claim either.
//
// For the provider, the wiring into oidc-provider 9 (its docs/README.md: `extraParams`, `scopes`,
// `claims`, `conformIdTokenClaims`), proved with the real library and openid-client in
// test/oidc/openid2-wiring.spec.ts:
//
//   scopes: [..., 'openid2'],
//   // With conformIdTokenClaims (the default), a code-flow ID token only carries the claims of
//   // the `openid` scope (the test fails with `openid2: ['openid2_id']` instead); Migration §4
//   // wants openid2_id in the ID token.
//   claims: { openid: ['sub', OPENID2_ID_CLAIM], ... },
//   extraParams: {
//     // Runs at the authorization endpoint after redirect_uri and scope are checked. Like
//     // oidc-provider's own check_scope.js does for offline_access, an unverified request loses
//     // the scope, so the grant, the code and every token after it never carry `openid2`.
//     // oidc-provider has already refused a duplicated openid2_realm (invalid_request).
//     [OPENID2_REALM_PARAM](ctx, value) {
//       const decision = verifyOpenid2Request({ scope: ctx.oidc.params.scope, realm: value,
//         redirectUri: ctx.oidc.params.redirect_uri, policy: realmPolicy });
//       if (decision.kind === 'refused') { log(decision.reason, decision.detail);
//         ctx.oidc.params.scope = withoutOpenid2Scope(ctx.oidc.params.scope); }
//     },
//   },
//   // findAccount(ctx, id) returns { accountId, claims(use, scope) { ... } }; `scope` there is the
//   // granted scope of the code or token being used:
//   //   return { ...profileClaims, ...openid2IdClaims({ scope,
//   //     claimedId: claimedIdentifierFor(domain, user.username) }) };
//
// `openid2IdFor` does both steps at once, for a caller that has realm, redirect URI and account
// at hand together (tests, or a provider that decides at consent time).

import type { DomainConfig } from '../config/config.schema.js';
import { identifierUrl } from '../discovery/urls.js';
import { InvalidRealm, InvalidReturnTo } from '../protocol/errors.js';
import { parseRealm, parseReturnTo, type Realm } from '../protocol/realm.js';
import { returnToMatchesRealm } from '../protocol/realm-match.js';
import { isOverBroad } from '../protocol/realm-policy.js';

/** Migration §2: the scope value that asks for the OpenID 2.0 Identifier. */
export const OPENID2_SCOPE = 'openid2';
/** Migration §2: the authentication request parameter carrying the old `openid.realm`. */
export const OPENID2_REALM_PARAM = 'openid2_realm';
/** Migration §4: the ID token claim carrying the OpenID 2.0 Identifier. */
export const OPENID2_ID_CLAIM = 'openid2_id';

/**
 * Longest realm accepted, in UTF-8 bytes: the cap the OpenID 2.0 endpoint puts on `openid.realm`
 * (OPENID_INPUT_LIMITS in src/auth/endpoint.service.ts, the varchar(2048) columns that keep
 * realms), so a realm that side never accepted, hence no RP knows a user under, is refused here
 * before it is parsed.
 */
export const MAX_OPENID2_REALM_BYTES = 2048;

export type Openid2RefusalReason =
  /** Migration §2: `openid2_realm` is REQUIRED; absent, empty, or not one string (sent twice). */
  | 'missing_realm'
  /** Longer than MAX_OPENID2_REALM_BYTES. */
  | 'realm_too_long'
  /** Not a realm (OpenID 2.0 §9.2: a URL pattern; no fragment; wildcard "*." leftmost only). */
  | 'invalid_realm'
  /** OpenID 2.0 §9.2: an overly general realm such as https://*.com/ (isOverBroad). */
  | 'over_broad_realm'
  /** The operator's realm policy (`realm.*` in the config) refuses this realm. */
  | 'realm_policy'
  /** The redirect URI is not an http(s) URL a realm can cover (a native app's custom scheme). */
  | 'invalid_redirect_uri'
  /** Migration §3 / OpenID 2.0 §9.2: the redirect URI does not match the realm. */
  | 'realm_mismatch'
  /** Migration §4: the user has no OpenID 2.0 Identifier. */
  | 'no_identifier';

export type Openid2Verification =
  /** Migration §2: the request does not carry the `openid2` scope. */
  | { readonly kind: 'not_requested' }
  /** Migration §3 held: the realm is valid and covers the redirect URI. */
  | { readonly kind: 'verified'; readonly realm: Realm }
  /** Migration §3 failed: no claim (§4), no error (§4.1). `detail` is for logs (values truncated). */
  | { readonly kind: 'refused'; readonly reason: Openid2RefusalReason; readonly detail: string };

export type Openid2IdDecision =
  | { readonly kind: 'not_requested' }
  /** Migration §4: put `claims` in the ID token. */
  | { readonly kind: 'claim'; readonly realm: Realm; readonly claims: { readonly [OPENID2_ID_CLAIM]: string } }
  | { readonly kind: 'refused'; readonly reason: Openid2RefusalReason; readonly detail: string };

/** The operator's realm rules: RealmPolicy (src/realm/realm-policy.service.ts) fits. Throws InvalidRealm. */
export interface Openid2RealmPolicy {
  check(value: string): Realm;
}

export interface Openid2Request {
  /** The request's `scope` (Core §3.1.2.1: space-delimited, case-sensitive), or its values. */
  readonly scope: string | Iterable<string> | undefined;
  /** The `openid2_realm` parameter as received: anything but one string is refused. */
  readonly realm: unknown;
  /**
   * The request's effective redirect URI: the one it sent or, when it sent none, the client's one
   * registered URI (oidc-provider fills it in before extraParams validators run).
   */
  readonly redirectUri: string | undefined;
  /** Applied after the §9.2 syntax and over-broad checks; without it, only those. */
  readonly policy?: Openid2RealmPolicy;
}

/** The claimed identifier the OpenID 2.0 side asserts for `username` (normalised localpart). */
export function claimedIdentifierFor(domain: DomainConfig, username: string): string {
  return identifierUrl(domain, username);
}

/** Whether the scope asks for the OpenID 2.0 Identifier (Migration §2). */
export function requestsOpenid2(scope: Openid2Request['scope']): boolean {
  if (scope === undefined) return false;
  const values = typeof scope === 'string' ? scope.split(' ') : scope;
  for (const value of values) if (value === OPENID2_SCOPE) return true;
  return false;
}

/** The scope without `openid2` (undefined when nothing is left), for a request that failed Migration §3. */
export function withoutOpenid2Scope(scope: string | undefined): string | undefined {
  if (scope === undefined) return undefined;
  const rest = scope.split(' ').filter((value) => value !== OPENID2_SCOPE && value !== '');
  return rest.length > 0 ? rest.join(' ') : undefined;
}

/** Migration §2 and §3: is this request entitled to the OpenID 2.0 Identifier? */
export function verifyOpenid2Request(request: Openid2Request): Openid2Verification {
  if (!requestsOpenid2(request.scope)) return { kind: 'not_requested' };
  const { realm: value, redirectUri } = request;
  // Migration §2: openid2_realm is REQUIRED. An array is a parameter sent twice, refused rather
  // than one of its values picked (oidc-provider rejects duplicates of its own parameters alike).
  if (typeof value !== 'string' || value === '') {
    return refuse('missing_realm', Array.isArray(value) ? 'openid2_realm sent more than once' : 'no openid2_realm');
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_OPENID2_REALM_BYTES) return refuse('realm_too_long', `openid2_realm of ${bytes} bytes, limit ${MAX_OPENID2_REALM_BYTES}`);

  let realm: Realm;
  try {
    // OpenID 2.0 §9.2: the realm is a URL pattern (parseRealm refuses fragments, misplaced
    // wildcards, userinfo, control characters, NUL included, and non-http(s) schemes).
    realm = parseRealm(value);
  } catch (error) {
    if (error instanceof InvalidRealm) return refuse('invalid_realm', `openid2_realm ${show(value)}: ${error.message}`);
    throw error;
  }
  // OpenID 2.0 §9.2: OPs are RECOMMENDED to protect users from overly general realms; the
  // OpenID 2.0 endpoint never asserted to one (RealmPolicy refuses it), so no RP knows the user
  // under it.
  if (isOverBroad(realm)) return refuse('over_broad_realm', `openid2_realm ${show(value)} is over-broad`);
  if (request.policy !== undefined) {
    try {
      realm = request.policy.check(value);
    } catch (error) {
      if (error instanceof InvalidRealm) return refuse('realm_policy', `openid2_realm ${show(value)}: ${error.message}`);
      throw error;
    }
  }

  if (typeof redirectUri !== 'string' || redirectUri === '') return refuse('invalid_redirect_uri', 'no redirect_uri');
  let returnTo;
  try {
    // Migration §3: the redirect URI stands where OpenID 2.0 has return_to.
    returnTo = parseReturnTo(redirectUri);
  } catch (error) {
    if (error instanceof InvalidReturnTo) return refuse('invalid_redirect_uri', `redirect_uri ${show(redirectUri)}: ${error.message}`);
    throw error;
  }
  // Migration §3, OpenID 2.0 §9.2: same scheme, same port, domain equal or under the wildcard,
  // path equal to or below the realm's.
  if (!returnToMatchesRealm(realm, returnTo)) {
    return refuse('realm_mismatch', `redirect_uri ${show(redirectUri)} does not match openid2_realm ${show(value)}`);
  }
  return { kind: 'verified', realm };
}

/**
 * Migration §4 at token time: `{ openid2_id }` when the granted `scope` still holds `openid2`
 * (verifyOpenid2Request removed it otherwise) and the user has an identifier, else `{}`. For
 * findAccount's claims(use, scope).
 */
export function openid2IdClaims(input: { scope: Openid2Request['scope']; claimedId: string | undefined }): { [OPENID2_ID_CLAIM]?: string } {
  if (!requestsOpenid2(input.scope) || !input.claimedId) return {};
  // Migration §4: "It MUST be represented as a JSON string."
  return { [OPENID2_ID_CLAIM]: input.claimedId };
}

/** Migration §2-§4 in one step: the claim for this request and this user's claimed identifier, or why not. */
export function openid2IdFor(request: Openid2Request & { readonly claimedId: string | undefined }): Openid2IdDecision {
  const verification = verifyOpenid2Request(request);
  if (verification.kind !== 'verified') return verification;
  // Migration §4: "If the associated OpenID 2.0 Identifier for the user is not found, then the OP
  // MUST NOT include this claim in the response."
  if (!request.claimedId) return refuse('no_identifier', 'the account has no OpenID 2.0 identifier');
  return { kind: 'claim', realm: verification.realm, claims: { [OPENID2_ID_CLAIM]: request.claimedId } };
}

function refuse(reason: Openid2RefusalReason, detail: string): { readonly kind: 'refused'; readonly reason: Openid2RefusalReason; readonly detail: string } {
  return { kind: 'refused', reason, detail };
}

/** A value the RP sent, quoted and cut short for a log line. */
function show(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}
