// Realm judgements beyond syntax: over-broad wildcards (OpenID 2.0 §9.2) and the URL that
// return_to verification discovers (§9.2.1, §13).

import { parse as parseDomain } from 'tldts';

import { InvalidRealm } from './errors.js';
import type { Realm } from './realm.js';

/**
 * Whether a realm is overly general (OpenID 2.0 §9.2: "It is RECOMMENDED that OPs protect their
 * users from making assertions with overly-general realms, like http://*.com/ or
 * http://*.co.uk/ ... at the discretion of the OP"):
 *   - a bare "*";
 *   - a wildcard whose remainder is itself a public suffix per the Public Suffix List, ICANN
 *     *and* private sections: "*.github.io" or "*.blogspot.com" would cover every tenant of a
 *     hosting service, each one a different relying party, exactly what the private section
 *     records. Unknown TLDs count as public suffixes (the PSL's default "*" rule), so
 *     "*.notatld" is over-broad while "*.foo.notatld" is not.
 * A realm without a wildcard names one host and is never over-broad, even "http://com/".
 */
export function isOverBroad(realm: Realm): boolean {
  if (!realm.wildcard) return false;
  if (realm.host === '') return true;
  // The PSL knows names without the root's trailing dot: "*.com." is as broad as "*.com".
  const name = realm.host.endsWith('.') ? realm.host.slice(0, -1) : realm.host;
  const info = parseDomain(name, { allowPrivateDomains: true });
  // `domain` is the registrable domain (public suffix + one label); null means the host is a
  // public suffix itself, or something the PSL cannot place.
  return info.domain === null || info.publicSuffix === name;
}

/**
 * The URL to run relying party discovery on (OpenID 2.0 §9.2.1): the realm itself, or, for a
 * wildcard realm, the realm with "www" substituted for the wildcard ("http://*.example.com/" →
 * "http://www.example.com/"). A bare "*" has no such URL: InvalidRealm.
 */
export function realmForWildcardDiscovery(realm: Realm): string {
  if (!realm.wildcard) return realm.normalized;
  if (realm.host === '') {
    throw new InvalidRealm('The realm is too broad to verify', { detail: 'bare wildcard realm has no discovery URL' });
  }
  return realm.normalized.replace('://*.', '://www.');
}
