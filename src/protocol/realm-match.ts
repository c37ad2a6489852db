// Matching a URL against a realm (OpenID 2.0 §9.2), also used to match a return_to against a
// relying party endpoint discovered from the realm (§9.2.1: "treating the relying party's
// endpoint URL as the realm").

import { InvalidReturnTo } from './errors.js';
import { parseRealm, parseReturnTo, type Realm, type ReturnToUrl } from './realm.js';

/**
 * §9.2 "The URL's path is equal to or a sub-directory of the realm's path", read as python-openid
 * reads it (TrustRoot.validateURL), the behaviour relying parties have been tested against:
 * the URL's path (with query) must start with the realm's, and the match must end on a boundary,
 * meaning the realm's path ends with "/" or the URL continues with "/" or "?". So "/foo" covers
 * "/foo", "/foo/bar" and "/foo?x" but not "/foobar".
 *
 * Realms with a query (not covered by §9.2, which matches scheme, port, path and domain only):
 * python-openid treats the query as part of the prefix, with "&" as the only boundary, so
 * "/?a=b" covers "/?a=b" and "/?a=b&c=d" but neither "/?a=bc", "/?x=y&a=b" nor "/". We keep that
 * (the strict reading: a realm with a query is narrower, never broader).
 */
export function pathMatches(realmPath: string, urlPath: string): boolean {
  if (urlPath === realmPath) return true;
  if (!urlPath.startsWith(realmPath)) return false;
  const boundary = realmPath.includes('?') ? '&' : '?/';
  return boundary.includes(realmPath[realmPath.length - 1]) || boundary.includes(urlPath[realmPath.length]);
}

/** §9.2 domain rule, with the wildcard matching whole labels only. */
export function hostMatches(realm: Realm, url: ReturnToUrl): boolean {
  if (!realm.wildcard) return url.host === realm.host;
  // A wildcard is a DNS notion: it never covers an IP address.
  if (url.hostKind !== 'domain') return false;
  // Bare "*" (over-broad, see isOverBroad) covers every domain name.
  if (realm.host === '') return true;
  // §9.2: "the trailing part of the URL's domain is identical to the part of the realm following
  // the '*.' wildcard". The trailing part must be whole labels ("*.example.com" must not cover
  // "badexample.com"); the domain itself is its own trailing part (python-openid agrees).
  return url.host === realm.host || url.host.endsWith(`.${realm.host}`);
}

/**
 * Whether a return_to URL matches a realm (OpenID 2.0 §9.2): same scheme, same port (RFC 3986
 * §3.1 / §6.2.3: an explicit default port equals an absent one), host equal or under the
 * wildcard, path equal to or below the realm's.
 */
export function returnToMatchesRealm(realm: Realm, returnTo: ReturnToUrl): boolean {
  return (
    returnTo.scheme === realm.scheme &&
    returnTo.port === realm.port &&
    hostMatches(realm, returnTo) &&
    pathMatches(realm.pathAndQuery, returnTo.pathAndQuery)
  );
}

/**
 * Parses both values and requires the match (§9.2: "the openid.return_to URL MUST match the
 * openid.realm"). Throws InvalidRealm or InvalidReturnTo (never redirectable).
 */
export function checkReturnToInRealm(realmValue: string, returnToValue: string): { realm: Realm; returnTo: ReturnToUrl } {
  const realm = parseRealm(realmValue);
  const returnTo = parseReturnTo(returnToValue);
  if (!returnToMatchesRealm(realm, returnTo)) {
    throw new InvalidReturnTo('The return_to URL is outside the realm', {
      detail: `return_to ${JSON.stringify(returnToValue)} does not match realm ${JSON.stringify(realmValue)}`,
    });
  }
  return { realm, returnTo };
}

/**
 * Matches a return_to against the return_to endpoints an RP published for its realm (§9.2.1,
 * §13): each endpoint is used as a realm, but "Relying party endpoint URLs MUST NOT contain a
 * domain wildcard", so wildcard or unparsable endpoints never match.
 */
export function returnToMatchesEndpoints(endpoints: readonly string[], returnTo: ReturnToUrl): boolean {
  return endpoints.some((endpoint) => {
    let realm: Realm;
    try {
      realm = parseRealm(endpoint);
    } catch {
      return false;
    }
    return !realm.wildcard && returnToMatchesRealm(realm, returnTo);
  });
}
