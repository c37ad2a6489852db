import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { AuditKind } from '../audit/audit.entity.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { TokenBuckets } from '../common/token-buckets.js';
import { openidConfig } from '../config/namespaces.js';
import { AppError } from '../http/app-error.js';
import { text } from '../i18n/locale.js';
import { clientAddressKey } from '../http/client-address.js';
import { Metrics, type RateLimitKind } from '../http/metrics.js';
import type { ClientInfo } from '../http/request-input.js';
import { AssociateRateLimited, CheckAuthenticationRateLimited } from '../protocol/errors.js';

// Per-client limits of the OP endpoint (README "Limits"): a token bucket per client address key
// (src/http/client-address.ts: an IPv4 address, an IPv6 /64), in memory and per process like
// every TokenBuckets. OpenID 2.0 §15.5 leaves denial of service to the OP; these are our policy:
//   - associate: a Diffie-Hellman exponentiation anyone may ask for;
//   - check_authentication: a signature check and a nonce write anyone may ask for;
//   - checkid without a session (and every checkid_immediate): each may park a request in the
//     database and start relying-party discovery, and none proves anyone is there.
// A signed-in browser's checkid_setup is not counted: its user is known, and the login throttle
// (src/auth/login/login-throttle.service.ts) guards the sign-in itself.

/** A checkid request refused by checkid_rate_limit: a page or problem+json, 429 with Retry-After. */
export class CheckidRateLimited extends AppError {
  constructor(retryAfterSeconds: number) {
    super('rate_limited', 429, text('errors.rate_limited.title'), text('errors.rate_limited.detail'), {
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}

const AUDIT_KIND: Readonly<Record<'associate' | 'check_authentication' | 'checkid' | 'pending_requests', AuditKind>> = {
  associate: 'associate_rate_limited',
  check_authentication: 'check_auth_rate_limited',
  checkid: 'checkid_rate_limited',
  pending_requests: 'pending_rate_limited',
};

/** Seconds until a bucket refilling `perSecond` has one token again, at least 1 (RFC 9110 §10.2.3 delay-seconds). */
export function retryAfterSeconds(perSecond: number): number {
  return Math.max(1, Math.ceil(1 / perSecond));
}

@Injectable()
export class ClientRateLimits {
  private readonly buckets: Readonly<Record<keyof typeof AUDIT_KIND, { buckets: TokenBuckets; retryAfter: number }>>;
  /**
   * A flood must not grow the audit table at the rate it is refused (issue 11: unauthenticated
   * traffic grew it without bound): one audit event per client and kind per minute at most; the
   * metric counts every refusal.
   */
  private readonly audited = new TokenBuckets({ burst: 1, everyMs: 60_000 });

  constructor(
    @Inject(openidConfig.KEY) openid: ConfigType<typeof openidConfig>,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {
    const bucket = (burst: number, perSecond: number) => ({ buckets: new TokenBuckets({ burst, everyMs: 1000 / perSecond }), retryAfter: retryAfterSeconds(perSecond) });
    const pending = openid.pending_requests;
    // The pending-request lifetime (30 minutes) spread over max_per_client: at most that many
    // parked at once per client, refilled as they expire.
    const parkPerSecond = pending.max_per_client / (30 * 60);
    this.buckets = {
      associate: bucket(openid.associate_rate_limit.burst, openid.associate_rate_limit.per_second),
      check_authentication: bucket(openid.check_authentication_rate_limit.burst, openid.check_authentication_rate_limit.per_second),
      checkid: bucket(openid.checkid_rate_limit.burst, openid.checkid_rate_limit.per_second),
      pending_requests: bucket(pending.max_per_client, parkPerSecond),
    };
  }

  /** Takes one token of `kind` for the client, or throws that kind's refusal (audited, counted). */
  take(kind: keyof typeof AUDIT_KIND, domain: string, client: ClientInfo): void {
    const { buckets, retryAfter } = this.buckets[kind];
    const key = clientAddressKey(client.ip);
    const now = this.clock.now().getTime();
    if (buckets.take(key, now)) return;
    this.refused(kind, domain, client, key, now);
    switch (kind) {
      case 'associate':
        throw new AssociateRateLimited(retryAfter);
      case 'check_authentication':
        throw new CheckAuthenticationRateLimited(retryAfter);
      case 'checkid':
        throw new CheckidRateLimited(retryAfter);
      case 'pending_requests':
        throw new TooManyPendingRequests(retryAfter);
    }
  }

  private refused(kind: keyof typeof AUDIT_KIND, domain: string, client: ClientInfo, key: string, now: number): void {
    this.metrics.rateLimited.inc({ kind: kind satisfies RateLimitKind });
    if (this.audited.take(`${kind}\n${key}`, now)) void this.audit.record({ kind: AUDIT_KIND[kind], domain, ip: client.ip, userAgent: client.userAgent });
  }
}

/** pending_requests.max_per_client reached: 429 with Retry-After, as a page or problem+json. */
export class TooManyPendingRequests extends AppError {
  constructor(retryAfterSeconds: number) {
    super('too_many_pending_requests', 429, text('errors.too_many_pending_requests.title'), text('errors.too_many_pending_requests.detail'), {
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}
