// return_to verification by relying party discovery (OpenID 2.0 §9.2.1, §13).
//
// §9.2.1: "OpenID providers SHOULD verify that the return_to URL specified in the request is an
// OpenID relying party endpoint." The OP runs Yadis discovery on the realm (for a wildcard realm,
// on the realm with "www." in place of "*."), collects the RP's return_to endpoints (§13), and the
// return_to is verified when it matches one of them "treating the relying party's endpoint URL as
// the realm"; endpoints "MUST NOT contain a domain wildcard" (§13), so those never match. This is
// python-openid's verifyReturnTo/returnToMatches; the matching itself lives in
// src/protocol/realm-match.ts (returnToMatchesEndpoints).
//
// One deliberate strictness, after python-openid (which refuses any redirect at all): if the
// discovery URL redirects to a host outside the realm, the endpoints found there are not the
// realm's own statement and the result is `unverified` (`redirected_outside_realm`). Redirects
// within the realm (http → https, example.com → www.example.com under *.example.com) are fine.
//
// `realm.return_to_verification` decides what callers do with the verdict (off: not run at all;
// warn: shown on the consent page; require: refused); this service only reports.
//
// Results are cached per realm in process (bounded, `realm.discovery.cache_ttl`), in-flight
// discoveries are shared, and failures are cached for at most a minute so that a relying party
// that was briefly down is retried soon. The cache is only a cache: with it empty every answer is
// the same, one discovery later.
//
// Each discovery makes the provider fetch what a request names, so two limits bound what anyone
// can make it fetch: at most `realm.discovery.max_concurrent` run at once in a process, and a
// client address may start `realm.discovery.client_rate_limit` of them (realms already remembered
// or being discovered cost nothing). A discovery refused by either fails as `busy` or
// `rate_limited` and is not remembered: the next request tries again.

import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Clock } from '../common/clock.js';
import { TokenBuckets } from '../common/token-buckets.js';
import { clientAddressKey } from '../http/client-address.js';
import { Metrics } from '../http/metrics.js';
import { realmConfig } from '../config/namespaces.js';
import type { Realm, ReturnToUrl } from '../protocol/realm.js';
import { parseReturnTo } from '../protocol/realm.js';
import { hostMatches, returnToMatchesEndpoints, returnToMatchesRealm } from '../protocol/realm-match.js';
import { realmForWildcardDiscovery } from '../protocol/realm-policy.js';
import { FetchRefused, type FetchRefusalReason } from './safe-fetch.js';
import { InvalidXrds, YadisDiscovery } from './yadis.js';

export type ReturnToVerification =
  | { readonly status: 'skipped' }
  | { readonly status: 'verified' }
  | { readonly status: 'unverified'; readonly reason: 'no_return_to_endpoints' | 'no_match' | 'redirected_outside_realm' }
  | { readonly status: 'failed'; readonly reason: FetchRefusalReason };

/** What discovery on a realm found: the RP's return_to endpoints, or why there are none. */
type Discovered =
  /** `iconUrls`: OpenID UI Extension 1.0 §6 icon services of the same document (rp-icons.ts). */
  | { readonly kind: 'endpoints'; readonly urls: readonly string[]; readonly iconUrls?: readonly string[] }
  | { readonly kind: 'redirected_outside_realm' }
  | { readonly kind: 'failed'; readonly reason: FetchRefusalReason };

interface CacheEntry {
  readonly value: Discovered;
  readonly expiresAt: number;
}

/** Realms remembered at most; the least recently used goes first. */
export const RETURN_TO_CACHE_SIZE = 1000;
/** Failures are retried after this long at most, whatever cache_ttl says. */
const FAILURE_TTL_MS = 60_000;

@Injectable()
export class ReturnToVerifier {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<Discovered>>();
  private readonly budgets: TokenBuckets;
  /** Discoveries under way in this process (realm.discovery.max_concurrent). */
  private discoveriesRunning = 0;

  constructor(
    @Inject(realmConfig.KEY) private readonly realm: ConfigType<typeof realmConfig>,
    private readonly yadis: YadisDiscovery,
    private readonly clock: Clock,
    @Optional() @Inject(Metrics) private readonly metrics?: Metrics,
  ) {
    const { burst, per_minute } = realm.discovery.client_rate_limit;
    this.budgets = new TokenBuckets({ burst, everyMs: 60_000 / per_minute });
  }

  /**
   * Verifies `returnTo` against the relying party's published return_to endpoints (OpenID 2.0
   * §9.2.1). `returnTo` is expected to match `realm` already (§9.2); if it does not, `no_match`.
   * A bare "*" realm has no discovery URL: InvalidRealm (the realm policy refuses it earlier).
   * `clientIp`: the address of the request (its budget of new discoveries).
   */
  async verify(realm: Realm, returnTo: ReturnToUrl, clientIp?: string): Promise<ReturnToVerification> {
    if (this.realm.return_to_verification === 'off') return { status: 'skipped' };
    if (!returnToMatchesRealm(realm, returnTo)) return { status: 'unverified', reason: 'no_match' };
    const discovered = await this.discover(realm, clientIp);
    switch (discovered.kind) {
      case 'failed':
        return { status: 'failed', reason: discovered.reason };
      case 'redirected_outside_realm':
        return { status: 'unverified', reason: 'redirected_outside_realm' };
      case 'endpoints':
        if (discovered.urls.length === 0) return { status: 'unverified', reason: 'no_return_to_endpoints' };
        // OpenID 2.0 §9.2.1, §13: each endpoint is used as a realm, wildcard endpoints never match.
        return returnToMatchesEndpoints(discovered.urls, returnTo) ? { status: 'verified' } : { status: 'unverified', reason: 'no_match' };
    }
  }

  /**
   * OpenID UI Extension 1.0 §6: "the OpenID Provider performs discovery on the Relying Party" for
   * its icons, the same discovery as §9.2.1 (one fetch, one cache entry, one budget for both).
   * Empty when discovery is off, failed, or found no icon, and for a document that answered from
   * outside the realm (what it lists is not the realm's own statement).
   */
  async iconUrls(realm: Realm, clientIp?: string): Promise<readonly string[]> {
    if (this.realm.return_to_verification === 'off') return [];
    const discovered = await this.discover(realm, clientIp);
    return discovered.kind === 'endpoints' ? (discovered.iconUrls ?? []) : [];
  }

  /** Forgets every cached discovery (admin tooling, tests). */
  clearCache(): void {
    this.cache.clear();
  }

  private async discover(realm: Realm, clientIp: string | undefined): Promise<Discovered> {
    // OpenID 2.0 §9.2.1: a wildcard realm is discovered at "www." + the rest of the host.
    const url = realmForWildcardDiscovery(realm);
    const key = realm.normalized;
    const now = this.clock.now().getTime();
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.cache.delete(key);
      if (cached.expiresAt > now) {
        this.cache.set(key, cached);
        return cached.value;
      }
    }
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    // Neither refusal is remembered: it says nothing about the relying party.
    if (this.discoveriesRunning >= this.realm.discovery.max_concurrent) return { kind: 'failed', reason: 'busy' };
    if (!this.budgets.take(clientAddressKey(clientIp ?? 'unknown'), now)) {
      this.metrics?.rateLimited.inc({ kind: 'discovery' });
      return { kind: 'failed', reason: 'rate_limited' };
    }
    this.discoveriesRunning++;
    const discovery = this.run(realm, url).finally(() => {
      this.discoveriesRunning--;
      this.inFlight.delete(key);
    });
    this.inFlight.set(key, discovery);
    const value = await discovery;
    this.remember(key, value);
    return value;
  }

  private async run(realm: Realm, url: string): Promise<Discovered> {
    let result: { finalUrl: string; returnToUrls: string[]; iconUrls?: string[] };
    try {
      result = await this.yadis.discoverReturnToUrls(url);
    } catch (error) {
      if (error instanceof FetchRefused) return { kind: 'failed', reason: error.reason };
      // A document that is not XRDS publishes no endpoint.
      if (error instanceof InvalidXrds) return { kind: 'endpoints', urls: [] };
      throw error;
    }
    if (!answeredWithinRealm(realm, result.finalUrl)) return { kind: 'redirected_outside_realm' };
    return { kind: 'endpoints', urls: result.returnToUrls, iconUrls: result.iconUrls ?? [] };
  }

  private remember(key: string, value: Discovered): void {
    const ttlMs = this.realm.discovery.cache_ttl * 1000;
    const lifetime = value.kind === 'failed' ? Math.min(ttlMs, FAILURE_TTL_MS) : ttlMs;
    this.cache.delete(key);
    this.cache.set(key, { value, expiresAt: this.clock.now().getTime() + lifetime });
    while (this.cache.size > RETURN_TO_CACHE_SIZE) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }
}

/** Whether the URL that answered discovery is on a host the realm covers (§9.2 domain rule). */
function answeredWithinRealm(realm: Realm, finalUrl: string): boolean {
  try {
    return hostMatches(realm, parseReturnTo(finalUrl));
  } catch {
    return false;
  }
}
