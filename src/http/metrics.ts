import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** How an account was proved: the password form, or an approval from the chat app (XEP-0070). */
export type SignInMethod = 'password' | 'xmpp_approval';
/**
 * success; failure (wrong credentials, a disabled account, a denied or expired approval);
 * throttled (refused before any check, src/auth/login/login-throttle.service.ts); unavailable (no
 * verdict: the XMPP server or the bot is down).
 */
export type SignInOutcome = 'success' | 'failure' | 'throttled' | 'unavailable';
/** The per-client limits that refuse a request (README "Limits"). */
export type RateLimitKind = 'associate' | 'check_authentication' | 'checkid' | 'pending_requests' | 'discovery' | 'xmpp_approval';

/**
 * Prometheus metrics of one application instance (its own registry, so tests can boot several).
 * The names are listed in docs/operations.md ("Monitoring"); rename one there too.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly signIns = new Counter({
    name: 'openid_sign_ins_total',
    help: 'Sign-in attempts, by method (password, xmpp_approval, second_factor: the code or passkey after either, passkey: a passkey alone) and outcome (success, failure, throttled, unavailable).',
    labelNames: ['method', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly loginFailures = new Counter({
    name: 'openid_login_failures_total',
    help: 'Failed sign-ins, by reason (invalid_credentials, account_disabled, approval_denied, approval_expired, wrong_code, passkey_refused).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly loginThrottled = new Counter({
    name: 'openid_login_throttled_total',
    help: 'Sign-ins refused by the login throttle (per account or per address) before any password was checked.',
    registers: [this.registry],
  });
  readonly assertions = new Counter({
    name: 'openid_assertions_total',
    help: 'Answers to checkid requests sent to relying parties: positive (id_res) or negative (cancel, setup_needed), by mode.',
    labelNames: ['result', 'mode'] as const,
    registers: [this.registry],
  });
  readonly checkAuthentication = new Counter({
    name: 'openid_check_authentication_total',
    help: 'check_authentication answers (OpenID 2.0 §11.4.2.2), by is_valid.',
    labelNames: ['is_valid'] as const,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'openid_rate_limited_total',
    help: 'Requests refused by a per-client limit, by kind (associate, check_authentication, checkid, pending_requests, discovery, xmpp_approval).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly xmppPasswordBackend = new Gauge({
    name: 'xmpp_password_backend_up',
    help: 'Last password check against the XMPP server of an accounts: xmpp domain: 1 it gave a verdict, 0 it was unreachable, slow or failed TLS.',
    labelNames: ['domain'] as const,
    // Across workers (src/http/cluster-metrics.ts): 0 as soon as one worker's last check failed.
    aggregator: 'min',
    registers: [this.registry],
  });
  readonly databaseReady = new Gauge({
    name: 'database_ready',
    help: 'Whether the database answered and its migrations were current at this scrape (the /readyz verdict): 1 or 0.',
    aggregator: 'min',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  observe(method: string, route: string, statusCode: number, seconds: number): void {
    const labels = { method, route, status_code: String(statusCode) };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
  }
}
