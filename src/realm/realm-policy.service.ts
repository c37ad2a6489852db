// Which realms this provider serves: the operator's policy on top of the realm syntax of
// OpenID 2.0 §9.2 (src/protocol/realm.ts).
//
// A realm is refused, in this order, when it:
//   1. is not a valid realm (§9.2, parseRealm);
//   2. is over-broad, a wildcard over a public suffix such as http://*.com/ or
//      https://*.github.io/ (§9.2: OPs are RECOMMENDED to protect users from overly general
//      realms; isOverBroad);
//   3. is http:// while `realm.allow_http` is off;
//   4. names an IP address while `realm.allow_ip_hosts` is off;
//   5. falls under a `realm.denied` pattern;
//   6. falls under no `realm.allowed` pattern, when that list is not empty.
//
// Patterns are written as realms. A realm falls under a pattern when everything the realm covers
// is covered by the pattern: same scheme and port, the realm's host equal to the pattern's or,
// for a "*." pattern, under it (a wildcard realm "*.foo.example" falls under "*.example"; a
// wildcard realm never falls under a pattern without wildcard, so "www.example" does not allow
// "*.example"), and the realm's path at or below the pattern's path (§9.2 path rule). Note what
// this means for `denied`: denying https://bad.example/ does not refuse the wider realm
// https://*.example/; deny https://*.bad.example/ or the wider pattern to cover both.

import { domainToUnicode } from 'node:url';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { realmConfig } from '../config/namespaces.js';
import { InvalidRealm } from '../protocol/errors.js';
import { parseRealm, type Realm } from '../protocol/realm.js';
import { pathMatches } from '../protocol/realm-match.js';
import { isOverBroad } from '../protocol/realm-policy.js';

/** What the consent page shows about a realm. */
export interface RealmFlags {
  /** http:// realm: the assertion travels in clear text (flagged on the consent page). */
  readonly isHttp: boolean;
  readonly isIpHost: boolean;
  readonly isWildcard: boolean;
  /** The host as people read it (IDN decoded), "*." included for wildcards. */
  readonly unicodeHost: string;
  /** The host as DNS knows it (punycode), "*." included for wildcards; differs from unicodeHost for IDNs. */
  readonly asciiHost: string;
}

interface Pattern {
  readonly source: string;
  readonly realm: Realm;
}

@Injectable()
export class RealmPolicy {
  private readonly allowHttp: boolean;
  private readonly allowIpHosts: boolean;
  private readonly allowed: readonly Pattern[];
  private readonly denied: readonly Pattern[];

  constructor(@Inject(realmConfig.KEY) realm: ConfigType<typeof realmConfig>) {
    this.allowHttp = realm.allow_http;
    this.allowIpHosts = realm.allow_ip_hosts;
    this.allowed = compilePatterns(realm.allowed);
    this.denied = compilePatterns(realm.denied);
  }

  /**
   * Parses `value` and applies the policy above. Returns the parsed realm; throws InvalidRealm
   * (never redirected to the RP) with a public message saying why.
   */
  check(value: string): Realm {
    const realm = parseRealm(value);
    if (isOverBroad(realm)) {
      throw new InvalidRealm('The realm is too broad: a wildcard realm must name a site, not a whole public domain such as *.com', {
        detail: `over-broad realm ${JSON.stringify(value)}`,
      });
    }
    if (realm.scheme === 'http' && !this.allowHttp) {
      throw new InvalidRealm('This provider only serves sites using https://', { detail: `http realm ${JSON.stringify(value)} (realm.allow_http is off)` });
    }
    if (realm.hostKind !== 'domain' && !this.allowIpHosts) {
      throw new InvalidRealm('This provider does not serve sites addressed by IP address', {
        detail: `IP-host realm ${JSON.stringify(value)} (realm.allow_ip_hosts is off)`,
      });
    }
    const denied = this.denied.find((p) => realmFallsUnder(realm, p.realm));
    if (denied !== undefined) {
      throw new InvalidRealm('This provider does not serve this site', { detail: `realm ${JSON.stringify(value)} matches denied pattern ${denied.source}` });
    }
    if (this.allowed.length > 0 && !this.allowed.some((p) => realmFallsUnder(realm, p.realm))) {
      throw new InvalidRealm('This provider does not serve this site', { detail: `realm ${JSON.stringify(value)} matches no allowed pattern` });
    }
    return realm;
  }

  /** Flags for the consent page. */
  describe(realm: Realm): RealmFlags {
    const prefix = realm.wildcard ? '*.' : '';
    // Bare "*" keeps host "" (the policy refuses it; shown as "*" should it ever be displayed).
    const ascii = realm.wildcard && realm.host === '' ? '*' : `${prefix}${realm.host}`;
    const unicode = realm.hostKind === 'domain' && realm.host !== '' ? `${prefix}${domainToUnicode(realm.host) || realm.host}` : ascii;
    return { isHttp: realm.scheme === 'http', isIpHost: realm.hostKind !== 'domain', isWildcard: realm.wildcard, unicodeHost: unicode, asciiHost: ascii };
  }
}

/**
 * Whether everything `realm` covers is covered by `pattern` (see the top of this file). Exported
 * for tests and for tools that explain a refusal.
 */
export function realmFallsUnder(realm: Realm, pattern: Realm): boolean {
  if (realm.scheme !== pattern.scheme || realm.port !== pattern.port) return false;
  if (!pathMatches(pattern.pathAndQuery, realm.pathAndQuery)) return false;
  if (!pattern.wildcard) return !realm.wildcard && realm.host === pattern.host;
  // A wildcard is a DNS notion: it never covers an IP address.
  if (realm.hostKind !== 'domain') return false;
  // Bare "*" pattern: every domain name, wildcard or not.
  if (pattern.host === '') return true;
  if (realm.wildcard && realm.host === '') return false;
  return realm.host === pattern.host || realm.host.endsWith(`.${pattern.host}`);
}

/** The schema has already refused patterns that are not realms (config.schema.ts, realmPattern). */
function compilePatterns(sources: readonly string[]): Pattern[] {
  return sources.map((source) => ({ source, realm: parseRealm(source) }));
}
