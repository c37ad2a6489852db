import { isIP } from 'node:net';
import { z } from 'zod';
import { OpenIdError } from '../protocol/errors.js';
import { parseRealm } from '../protocol/realm.js';
import { InvalidJid, normalizeDomain, parseBareJid } from '../xmpp/jid.js';
import { parseXmppService } from '../xmpp/xmpp-address.js';
import { LANGUAGES } from '../i18n/languages.js';

// The one source of truth for configuration: every option with its validator, its default and a
// one-line description. `config/openid-provider.example.yaml` is generated from this file
// (`npm run config:example`) and a test fails when the two drift apart.
//
// Options marked `sensitive` are never logged or echoed back: nothing logs the configuration
// object, their validation messages never quote the value, and the database URL is logged only
// through describeDatabase, which masks its password.

export interface OptionMeta {
  /** Never written to a log line or an error message. */
  sensitive?: boolean;
  /** Example value shown in the generated file for options without a default. */
  example?: unknown;
}

const meta = new WeakMap<z.ZodType, OptionMeta>();
function withMeta<T extends z.ZodType>(schema: T, m: OptionMeta): T {
  meta.set(schema, m);
  return schema;
}
export function optionMeta(schema: z.ZodType): OptionMeta {
  return meta.get(schema) ?? {};
}

const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration written as whole seconds or as `90s`, `15m`, `12h`, `30d`; parsed to seconds. */
export function duration(): z.ZodType<number, number | string> {
  return z
    .union([z.number().int().positive(), z.string().regex(/^\d+[smhd]$/, 'expected a duration such as 90s, 15m, 12h or 30d')])
    .transform((v) => (typeof v === 'number' ? v : Number(v.slice(0, -1)) * DURATION_UNITS[v.slice(-1)]!))
    .refine((v) => v > 0, 'must be longer than zero');
}

const hostname = z
  .string()
  .min(1)
  .max(253)
  .regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/, 'expected a lowercase DNS name (IDN in punycode), e.g. example.org');

const baseUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected an absolute URL such as https://example.org' });
    return;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: 'expected an https:// (or, for development only, http://) URL' });
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry credentials' });
  if (url.search || url.hash) ctx.addIssue({ code: 'custom', message: 'must not have a query or a fragment' });
  if (url.pathname !== '/' || value.endsWith('/')) ctx.addIssue({ code: 'custom', message: 'must be an origin without a path or trailing slash, e.g. https://example.org' });
});

const cidr = z.string().superRefine((value, ctx) => {
  const [address, prefix, ...rest] = value.split('/');
  const family = isIP(address ?? '');
  const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
  if (rest.length > 0 || family === 0 || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32) || (prefix !== undefined && !/^\d+$/.test(prefix))) {
    ctx.addIssue({ code: 'custom', message: 'expected an IP address or CIDR block such as 10.0.0.0/8 or ::1' });
  }
});

const filePath = z.string().min(1);

// realm.allowed / realm.denied patterns are written as realms (OpenID 2.0 §9.2). Checked here, not
// when RealmPolicy is built, so that a bad pattern stops start-up like every other bad value:
// listed with the file, exit code 2, before Nest opens the database.
const realmPattern = z.string().superRefine((value, ctx) => {
  try {
    parseRealm(value);
  } catch (error) {
    const reason = error instanceof OpenIdError && error.detail !== undefined ? error.detail : 'not a valid realm';
    ctx.addIssue({ code: 'custom', message: `not a realm pattern such as https://*.example.com/ (${reason})` });
  }
});

/** `xmpp://host:port` or `xmpps://host:port` (src/xmpp/xmpp-address.ts), or only the `schemes` given. */
function xmppAddress(schemes: readonly ('xmpp' | 'xmpps')[] = ['xmpp', 'xmpps']) {
  return z.string().superRefine((value, ctx) => {
    try {
      parseXmppService(value, schemes);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });
}

const xmppDomainName = z.string().superRefine((value, ctx) => {
  try {
    if (normalizeDomain(value) !== value) ctx.addIssue({ code: 'custom', message: `write it as ${normalizeDomain(value)}` });
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof InvalidJid ? error.reason : 'expected a domain name' });
  }
});

const bareJid = z.string().superRefine((value, ctx) => {
  try {
    parseBareJid(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof InvalidJid ? `not a bare JID: ${error.reason}` : 'expected a bare JID such as openid@example.org' });
  }
});

// The bot's credentials live in files (read at start, surrounding whitespace trimmed): never a
// secret in this file, so the configuration can be shared, logged and kept in version control.
const componentBot = z.strictObject({
  component: xmppDomainName.describe('Domain of the XEP-0114 component, e.g. openid.example.org (Prosody: a Component "openid.example.org" block).'),
  service: xmppAddress(['xmpp']).describe(
    'Component port of the XMPP server, xmpp://host:port (Prosody: component_ports, usually 5347). XEP-0114 links are not encrypted: keep it on loopback or a private network.',
  ),
  secret_file: filePath.describe('File holding the component secret (Prosody: component_secret).'),
});

const accountBot = z.strictObject({
  jid: bareJid.describe('Bare JID of an ordinary account of this domain the bot signs in as (over xmpp.server, like a chat app).'),
  password_file: filePath.describe('File holding that account\'s password.'),
});

const xmppSettings = z.strictObject({
  server: withMeta(
    xmppAddress()
      .optional()
      .describe(
        'The domain\'s XMPP server (c2s): xmpp://host:port (STARTTLS, required) or xmpps://host:port (direct TLS). Its certificate must be valid for the domain name. Required with accounts: xmpp.',
      ),
    { example: 'xmpp://xmpp.example.org:5222' },
  ),
  ca_file: withMeta(
    filePath.optional().describe('PEM file of CA certificates to trust for that server besides Node\'s bundled ones (NODE_EXTRA_CA_CERTS then does not apply to it).'),
    { example: '/etc/openid/xmpp-ca.pem' },
  ),
  timeout: duration()
    .prefault('10s')
    .describe('Longest a password check may take, from the TCP connect to the vCard read; slower answers "sign-in service unavailable".'),
  bot: withMeta(
    z
      .union([componentBot, accountBot])
      .optional()
      .describe('The OpenID bot (chat commands, sign-in approval from the chat app): an XEP-0114 component {component, service, secret_file}, or an account {jid, password_file}.'),
    { example: { component: 'openid.example.org', service: 'xmpp://127.0.0.1:5347', secret_file: '/etc/openid/xmpp-component.secret' } },
  ),
  chat_rate_limit: withMeta(
    z
    .strictObject({
      burst: z.number().int().min(1).default(5).describe('Chat commands one sender may send to the bot in a row before it stops answering.'),
      every: duration().prefault('2s').describe('Sustained rate: one more command allowed per this much time.'),
    })
    .prefault({})
    .describe('Per-sender limit on the bot\'s chat commands (a token bucket per bare JID).'),
    { example: { burst: 5, every: '2s' } },
  ),
  bot_reconnect: withMeta(
    z
    .strictObject({
      initial: duration().prefault('1s').describe('Scale of the first wait before the bot reconnects after losing its XMPP connection; it doubles with each failure in a row.'),
      max: duration().prefault('5m').describe('Longest wait between two reconnection attempts (each wait is drawn between half of its window and the whole, so instances do not reconnect together).'),
    })
    .prefault({})
    .refine((r) => r.initial <= r.max, 'initial must not exceed max')
    .describe('How the OpenID bot reconnects (exponential back-off with jitter).'),
    { example: { initial: '1s', max: '5m' } },
  ),
  approval: withMeta(
    z
    .strictObject({
      timeout: duration().prefault('3m').describe('How long a sign-in approval from the chat app (XEP-0070) waits for the answer.'),
      max_per_account: z.number().int().min(1).default(5).describe('Approval requests sent to one account per minute; more answer 429.'),
      max_per_address: z.number().int().min(1).default(10).describe('Approval requests from one client address per minute; more answer 429.'),
    })
    .prefault({})
    .describe('Sign-in approval from the chat app (the login form\'s "Confirm with my chat app" button; needs a bot).'),
    { example: { timeout: '3m', max_per_account: 5, max_per_address: 10 } },
  ),
});

const domain = z
  .strictObject({
    name: hostname.describe('The XMPP domain: user@name owns the identifier {base_url}/openid/user.'),
    base_url: baseUrl.describe('Public origin of this domain\'s provider ({base}); https:// in production.'),
    // Optional rather than defaulted, so that code building a DomainConfig by hand (tests) need
    // not name it: absent means local.
    accounts: withMeta(
      z
        .enum(['local', 'xmpp'])
        .optional()
        .describe(
          'Where passwords are checked: local (also when absent), the local account store (npm run cli -- user add); xmpp, the domain\'s XMPP server (SASL PLAIN over verified TLS), every account of which owns its identifier.',
        ),
      { example: 'local' },
    ),
    xmpp: withMeta(xmppSettings.optional().describe('How to reach the domain\'s XMPP server, and the OpenID bot.'), {
      example: { server: 'xmpp://xmpp.example.org:5222', timeout: '10s' },
    }),
  })
  .superRefine((d, ctx) => {
    if (d.accounts === 'xmpp' && d.xmpp?.server === undefined) ctx.addIssue({ code: 'custom', path: ['xmpp', 'server'], message: 'required when accounts is xmpp' });
    const bot = d.xmpp?.bot;
    if (bot !== undefined && 'jid' in bot) {
      if (d.xmpp?.server === undefined) ctx.addIssue({ code: 'custom', path: ['xmpp', 'server'], message: 'required for a bot that signs in as an account' });
      try {
        if (parseBareJid(bot.jid).domain !== d.name) ctx.addIssue({ code: 'custom', path: ['xmpp', 'bot', 'jid'], message: `must be an account of ${d.name}` });
      } catch {
        // Reported by the JID validator.
      }
    }
    if (bot !== undefined && 'component' in bot && bot.component === d.name) ctx.addIssue({ code: 'custom', path: ['xmpp', 'bot', 'component'], message: 'must differ from the domain itself, e.g. openid.' + d.name });
  });

// OpenID Connect relying parties (src/oidc). A redirect URI is compared exactly (RFC 9700 §2.1:
// no pattern, no prefix) and must be https, except on a loopback host where a native app listens
// (RFC 8252 §7.3; RFC 9700 §2.1 and §4.1.3 allow http there); never a fragment (RFC 6749 §3.1.2).
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const clientRedirectUri = z.string().max(2000).superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected an absolute URL such as https://app.example/callback' });
    return;
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    ctx.addIssue({ code: 'custom', message: 'must be https:// (http:// only on a loopback host: 127.0.0.1, [::1], localhost; RFC 8252 §7.3, RFC 9700 §2.1)' });
  } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    ctx.addIssue({ code: 'custom', message: 'must be an https:// URL (RFC 9700 §2.1)' });
  }
  if (value.includes('#')) ctx.addIssue({ code: 'custom', message: 'must not have a fragment (RFC 6749 §3.1.2)' });
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry credentials' });
});

const oidcClient = z.strictObject({
  // RFC 6749 §A.1: client_id = *VSCHAR (printable ASCII); no space, so it cannot be confused in a list.
  client_id: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces (RFC 6749 §A.1)')
    .describe('The client_id the relying party sends.'),
  client_name: z.string().min(1).max(100).describe('Name shown to people on the consent page, beside the client_id.'),
  redirect_uris: z.array(clientRedirectUri).min(1, 'at least one redirect URI is required').describe('Where codes may be sent, compared exactly: https://, or http:// on a loopback host.'),
  post_logout_redirect_uris: z.array(clientRedirectUri).default([]).describe('Where RP-initiated logout may return (same rules as redirect_uris).'),
  client_secret_file: withMeta(
    filePath
      .optional()
      .describe(
        'File holding the client secret (read at start, never in this YAML): a confidential client authenticating with client_secret_basic or client_secret_post. Absent: a public client (token_endpoint_auth_method none, PKCE).',
      ),
    { example: '/etc/openid/app.secret' },
  ),
  domains: withMeta(z.array(hostname).min(1).optional().describe('Names of the domains where this client is registered. Absent: every configured domain.'), {
    example: ['example.org'],
  }),
  // OpenID Connect Core 1.0 §8: public (one `sub` per account, the same for every client) or
  // pairwise (a different `sub` per sector identifier, §8.1, so clients of different sectors
  // cannot correlate a person by it).
  subject_type: z
    .enum(['public', 'pairwise'])
    .default('public')
    .describe('public: the same `sub` (the account UUID) for every client. pairwise: a `sub` of its own per sector (the host of the redirect URIs, or of sector_identifier_uri), OpenID Connect Core 1.0 §8.1.'),
  sector_identifier_uri: withMeta(
    z
      .url({ protocol: /^https$/, error: 'must be an https:// URL (OpenID Connect Core 1.0 §8.1)' })
      .max(2000)
      .optional()
      .describe(
        'Pairwise clients only: its host is the sector, shared by every client that names it. Required when the redirect URIs span several hosts (OpenID Connect Core 1.0 §8.1). Not fetched: the operator vouches that the file there lists every redirect URI of the client.',
      ),
    { example: 'https://app.example/sector.json' },
  ),
});

const oidc = z
  .strictObject({
    clients: withMeta(z.array(oidcClient).default([]).describe('OpenID Connect relying parties registered by the operator.'), {
      example: [{ client_id: 'app', client_name: 'Example app', redirect_uris: ['https://app.example/callback'], client_secret_file: '/etc/openid/app.secret' }],
    }),
    registration: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe('Dynamic client registration (OpenID Connect Dynamic Client Registration 1.0) at /oidc/reg, open to anyone: leave off unless relying parties must register themselves.'),
      })
      .prefault({}),
    lifetimes: z
      .strictObject({
        code: duration().prefault('60s').describe('Authorization code lifetime (RFC 9700 §4.2.1 wants it short; one use only).'),
        access_token: duration().prefault('1h').describe('Access token lifetime.'),
        id_token: duration().prefault('1h').describe('ID token lifetime.'),
        refresh_token: duration().prefault('14d').describe('Refresh token lifetime (rotated on every use); issued only for offline_access with consent.'),
        interaction: duration().prefault('1h').describe('How long a person has to sign in and decide on an authorization request.'),
      })
      .prefault({})
      .describe('Token lifetimes. Connect sessions last as long as the login session (security.session).'),
    keys: z
      .strictObject({
        retain_for: duration()
          .prefault('7d')
          .describe(
            'How long a signing key retired by `npm run cli -- oidc keys rotate` stays published in the JWKS, so that what it signed still verifies: at least the longest lifetime of an ID token, access token or logout token (`oidc keys remove` refuses it before).',
          ),
      })
      .prefault({})
      .describe('The OpenID Connect signing keys (RS256 and ES256), generated on the first start and stored sealed under the operator key (secrets.key_file).'),
  })
  .prefault({});

const tlsFiles = z.strictObject({
  cert: filePath.describe('PEM certificate chain.'),
  key: filePath.describe('PEM private key (readable by the service only).'),
});

export const configSchema = z.strictObject({
  domains: withMeta(
    z
      .array(domain)
      .min(1, 'at least one domain is required')
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((d, i) => {
          if (seen.has(d.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `domain ${d.name} is listed twice` });
          seen.add(d.name);
        });
        const hosts = new Map<string, string>();
        list.forEach((d, i) => {
          let host: string;
          try {
            host = new URL(d.base_url).hostname;
          } catch {
            return;
          }
          const other = hosts.get(host);
          if (other !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'base_url'], message: `host ${host} already serves domain ${other}` });
          hosts.set(host, d.name);
        });
      })
      .describe('One entry per XMPP domain served. Requests are routed by the Host of base_url.'),
    { example: [{ name: 'example.org', base_url: 'https://example.org' }] },
  ),
  server: z
    .strictObject({
      host: z.string().min(1).default('0.0.0.0').describe('Listen address.'),
      port: z.number().int().min(0).max(65535).default(8443).describe('Listen port (0: any free port).'),
      tls: withMeta(
        z
          .union([z.literal('auto'), tlsFiles])
          .optional()
          .describe(
            'TLS for the listener: {cert, key} paths, or "auto" for a generated development certificate under ./data/tls. Absent: a plain HTTP listener meant to sit behind a TLS-terminating proxy listed in trusted_proxies.',
          ),
        { example: { cert: '/etc/openid/cert.pem', key: '/etc/openid/key.pem' } },
      ),
      trusted_proxies: z
        .array(cidr)
        .default([])
        .describe('Addresses (IP or CIDR) of reverse proxies allowed to set X-Forwarded-For/-Proto/-Host. Everyone else\'s X-Forwarded-* headers are ignored.'),
      shutdown_grace: duration().prefault('10s').describe('On SIGTERM, how long in-flight requests may take before connections are closed.'),
      timeouts: z
        .strictObject({
          headers: duration().prefault('10s').describe('A client has this long from connecting (or from its previous request) to send a request line and all its headers.'),
          request: duration().prefault('30s').describe('A client has this long to send a whole request, body included; a socket silent for this long is closed too.'),
          keep_alive: duration().prefault('72s').describe('An idle keep-alive connection is closed after this long without a new request.'),
        })
        .prefault({})
        .describe('Slow or silent clients cannot hold connections open (checked every second).'),
      workers: z
        .union([z.literal('auto'), z.number().int().min(1).max(256)])
        .default('auto')
        .describe(
          'Worker processes sharing the listener (node:cluster), each a full provider on the same PostgreSQL: auto = one per CPU core. On the embedded database there is always one (it belongs to one process), as the start-up log says.',
        ),
    })
    .prefault({}),
  security: z
    .strictObject({
      https_only: z
        .boolean()
        .default(true)
        .describe('Refuse the OpenID endpoint, login, consent and account pages over plain HTTP (403 tls_required). Turning this off is for local experiments only and logs a warning at every start.'),
      hsts_max_age: duration().prefault('365d').describe('Strict-Transport-Security max-age sent on every TLS response.'),
      session: z
        .strictObject({
          idle_timeout: duration().prefault('30m').describe('A login session ends after this long without use.'),
          absolute_timeout: duration().prefault('12h').describe('A login session ends this long after the login, whatever its use.'),
          remember_me_timeout: duration().prefault('30d').describe('Lifetime of a session when the user ticks "remember me".'),
        })
        .prefault({}),
      login_rate_limit: z
        .strictObject({
          max_attempts_per_account: z.number().int().min(1).default(5).describe('Failed logins for one account before back-off starts.'),
          max_attempts_per_address: z.number().int().min(1).default(20).describe('Failed logins from one client address before back-off starts.'),
          window: duration().prefault('15m').describe('Failed attempts older than this are forgotten.'),
          backoff_base: duration().prefault('30s').describe('First wait after the limit is reached; it doubles with each further failure.'),
          backoff_max: duration().prefault('1h').describe('Longest wait imposed.'),
          max_attempts_per_device: z
            .number()
            .int()
            .min(1)
            .default(5)
            .describe(
              'Failed logins from a browser holding a device cookie of the account (it signed in there before) before back-off starts; counted on that device alone, so a lockout of the account from elsewhere does not lock its owner out (OWASP device cookies, ASVS 2.2.1).',
            ),
          device_cookie_lifetime: duration()
            .prefault('180d')
            .describe('Lifetime of the device cookie a successful sign-in gives the browser (random, stored hashed, bound to the account).'),
        })
        .prefault({})
        .describe('Counted in the database, shared by every instance; each attempt is reserved before its password is checked.'),
      second_factor: z
        .strictObject({
          fresh_sign_in: duration()
            .prefault('10m')
            .describe('Adding a second factor, or removing the last one, needs a sign-in no older than this (else the person signs in again first).'),
          pending_timeout: duration().prefault('5m').describe('Time to type the second factor\'s code after a right password (or chat approval); then the sign-in starts again.'),
          remember_device: duration()
            .prefault('30d')
            .describe('How long "Remember this device" on the code page skips the code in that browser (such sign-ins report a single factor: the device is not a factor).'),
        })
        .prefault({})
        .describe('Authenticator apps (TOTP) and recovery codes, asked after the password of the accounts that added one.'),
      passkeys: z
        .strictObject({
          sign_in: z
            .boolean()
            .default(true)
            .describe(
              'Offer "Sign in with a passkey" on the login page: a passkey that verifies its user (WebAuthn userVerification required) signs in alone, as two factors and phishing-resistant. Off: passkeys are only ever a second factor after the password or chat approval. With accounts: xmpp such a sign-in does not ask the XMPP server (as a remembered session does not).',
            ),
        })
        .prefault({})
        .describe('Passkeys (WebAuthn) added on the identity page: a second factor, and where allowed a sign-in of their own.'),
      password_hash: z
        .strictObject({
          memory_kib: z.number().int().min(8192).default(19456).describe('argon2id memory cost in KiB (OWASP minimum: 19456 with time_cost 2).'),
          time_cost: z.number().int().min(1).default(2).describe('argon2id iterations.'),
          parallelism: z.number().int().min(1).max(16).default(1).describe('argon2id lanes.'),
        })
        .prefault({}),
    })
    .prefault({}),
  openid: z
    .strictObject({
      association_lifetime: duration().prefault('14d').describe('Lifetime (expires_in) of the shared associations RPs establish with associate (OpenID 2.0 §8.2.1).'),
      private_association_lifetime: duration()
        .prefault('10m')
        .describe('Lifetime of private (stateless-mode) associations: how long an RP has to confirm an assertion with check_authentication (§11.4.2).'),
      dh_max_modulus_bits: z
        .number()
        .int()
        .min(1024)
        .max(4096)
        .default(2048)
        .describe(
          'Largest dh_modulus an RP may choose for a DH-SHA1/DH-SHA256 associate (OpenID 2.0 §8.1.2); larger ones are refused. Each doubling costs ~7x the exponentiation, and anyone may ask: 2048 covers every RP library (most use the 1024-bit default).',
        ),
      associate_rate_limit: z
        .strictObject({
          burst: z.number().int().min(1).default(100).describe('Associate requests one client address (IPv6: its /64) may make in a row.'),
          per_second: z.number().positive().default(20).describe('Then this many per second (per process: each worker counts its own).'),
        })
        .prefault({})
        .describe('Associate (OpenID 2.0 §8) costs a Diffie-Hellman exponentiation anyone may ask for; an honest RP asks once per association lifetime.'),
      check_authentication_rate_limit: z
        .strictObject({
          burst: z.number().int().min(1).default(100).describe('check_authentication requests one client address (IPv6: its /64) may make in a row.'),
          per_second: z.number().positive().default(20).describe('Then this many per second (per process: each worker counts its own).'),
        })
        .prefault({})
        .describe('check_authentication (OpenID 2.0 §11.4.2) costs a signature check and a database write anyone may ask for; a stateless RP asks once per sign-in.'),
      checkid_rate_limit: z
        .strictObject({
          burst: z.number().int().min(1).default(60).describe('checkid requests without a session (and every checkid_immediate) one client address (IPv6: its /64) may make in a row.'),
          per_second: z.number().positive().default(1).describe('Then this many per second (per process). Requests of a signed-in browser (checkid_setup) are not counted.'),
        })
        .prefault({})
        .describe('Unauthenticated checkid traffic parks requests and may start relying-party discovery: a client may not make many.'),
      pending_requests: z
        .strictObject({
          max_bytes: z
            .number()
            .int()
            .min(4096)
            .max(65_536)
            .default(32_768)
            .describe('Largest checkid request parked while its user signs in or decides (the stored openid.* pairs, in bytes of JSON); a larger one is refused (413).'),
          max_per_client: z
            .number()
            .int()
            .min(1)
            .default(100)
            .describe('Requests one client address (IPv6: its /64) may park per pending-request lifetime (30 minutes, per process); more are refused (429).'),
        })
        .prefault({})
        .describe('Parked (pending) checkid requests are kept in the database for 30 minutes: bounded per request and per client.'),
      nonce_window: duration()
        .prefault('10m')
        .describe('How long a response_nonce is remembered (and accepted once) by check_authentication; older ones are refused (§11.4.2.1, §10.1).'),
    })
    .prefault({}),
  realm: z
    .strictObject({
      return_to_verification: z
        .enum(['off', 'warn', 'require'])
        .default('warn')
        .describe(
          'Relying party discovery (OpenID 2.0 §9.2.1, §13): off skips it; warn shows an unverifiable return_to as a warning on the consent page; require refuses the request.',
        ),
      allow_http: z.boolean().default(true).describe('Accept http:// realms (shown with a warning on the consent page). false: https:// realms only.'),
      allow_ip_hosts: z.boolean().default(true).describe('Accept realms whose host is an IP address.'),
      allowed: z
        .array(realmPattern)
        .default([])
        .describe('If not empty, only realms matching one of these patterns are served (same syntax as realms, e.g. https://*.example.com/).'),
      denied: z.array(realmPattern).default([]).describe('Realms matching one of these patterns are refused (same syntax as realms).'),
      discovery: z
        .strictObject({
          https_only: z.boolean().default(true).describe('Fetch relying-party XRDS documents over https:// only.'),
          allow_private_addresses: z
            .boolean()
            .default(false)
            .describe(
              'Allow fetches to loopback, private, link-local, CGNAT, unique-local and cloud-metadata addresses. Leave false in production (SSRF guard).',
            ),
          connect_timeout: duration().prefault('3s').describe('Connect timeout of a discovery fetch.'),
          timeout: duration().prefault('5s').describe('Overall timeout of a discovery fetch, redirects included.'),
          max_bytes: z.number().int().min(1024).default(262_144).describe('Largest discovery document read (bytes).'),
          max_redirects: z.number().int().min(0).max(10).default(3).describe('Redirects followed by a discovery fetch (each one checked like the first URL).'),
          cache_ttl: duration().prefault('1h').describe('How long a relying party\'s discovery result is cached.'),
          max_concurrent: z
            .number()
            .int()
            .min(1)
            .default(16)
            .describe('Discoveries running at once in a process (each waits on a remote site); beyond, a new one fails as busy at once and is not remembered.'),
          client_rate_limit: z
            .strictObject({
              burst: z.number().int().min(1).default(10).describe('Discoveries of not yet remembered realms one client address (IPv6: its /64) may start in a row.'),
              per_minute: z.number().positive().default(6).describe('Then this many per minute (per process). Remembered realms cost nothing.'),
            })
            .prefault({})
            .describe('Each discovery makes the provider fetch a URL the request names: a client may not make it fetch many.'),
        })
        .prefault({}),
      icons: z
        .strictObject({
          enabled: z
            .boolean()
            .default(true)
            .describe(
              'OpenID UI Extension 1.0 §6 (openid.ui.icon=true): show the icon a relying party lists in its XRDS on the consent page, fetched by relying-party discovery (so never when return_to_verification is off) and served from our origin. false: never fetched.',
            ),
          max_bytes: z.number().int().min(1024).max(262_144).default(65_536).describe('Largest RP icon fetched (bytes); a larger one is not shown.'),
          timeout: duration().prefault('2s').describe('How long the consent page waits for an RP icon (after discovery); a slower one is not shown.'),
        })
        .prefault({})
        .describe('Relying-party icons (PNG, JPEG, GIF or WebP only, at most 1024×1024 pixels; no SVG): any failure shows no icon, never an error.'),
    })
    .prefault({}),
  database: z
    .strictObject({
      url: withMeta(
        z
          .string()
          .regex(/^postgres(?:ql)?:\/\//, 'expected a postgres:// URL')
          .optional()
          .describe('PostgreSQL connection URL. Overridden by DATABASE_URL. Absent: the embedded database under embedded_dir.'),
        { sensitive: true, example: 'postgres://openid:secret@db.example.org:5432/openid' },
      ),
      pool_size: z.number().int().min(1).max(200).default(10).describe('Connections per instance (PostgreSQL only; the embedded database uses one).'),
      connect_timeout: duration()
        .prefault('5s')
        .describe(
          'PostgreSQL only: longest wait for a connection (a new one, or a free one of the pool under load). Past it the request answers 503 database_unavailable with Retry-After, instead of hanging while the database is down or saturated.',
        ),
      statement_timeout: duration()
        .prefault('15s')
        .describe(
          'PostgreSQL only: longest a statement may run (PostgreSQL statement_timeout) before it is cancelled and the request answers 503; the client itself gives up 2 s later, whatever the server does (a frozen host, a cut network). Migrations at start-up are exempt.',
        ),
      embedded_dir: z.string().min(1).default('./data/pglite').describe('Data directory of the embedded database (development and small installs).'),
      prune_interval: duration()
        .prefault('10m')
        .describe(
          'How often each instance deletes the rows nothing needs any more: expired associations, used nonces, sessions, pending requests, sign-in approvals, OpenID Connect sessions, codes and tokens, old login throttle counters and history past audit_retention (in batches of 1000 rows).',
        ),
      audit_retention: duration()
        .prefault('90d')
        .describe('How long the sign-in history (identity page, the bot\'s history command) is kept; older events are deleted.'),
    })
    .prefault({}),
  secrets: z
    .strictObject({
      key_file: withMeta(
        filePath
          .optional()
          .describe(
            'Operator key file (mode 0600, outside this YAML): the AES-256-GCM keys that encrypt the association keys kept in the database, one "<id> <created> <base64>" per line, the last one active; made and rotated by `npm run cli -- keys rotate`. Every instance on one database needs the same file. Absent: {data_dir}/secrets/operator.keys, generated on the first start (development).',
          ),
        { example: '/etc/openid/operator.keys' },
      ),
      reload_interval: duration()
        .prefault('5s')
        .describe('How often a running instance looks whether the key file changed (a key added by `keys rotate`); a row sealed under a key it does not know makes it look at once.'),
    })
    .prefault({}),
  logging: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Minimum level of the JSON log lines written to stdout.'),
    })
    .prefault({}),
  ui: z
    .strictObject({
      product_name: z.string().min(1).max(60).default('OpenID').describe('Name shown in page titles and headers.'),
      default_language: z
        .enum(LANGUAGES)
        .default('en')
        .describe(
          'Language of the pages for a visitor who asks for none we speak: the language switcher\'s choice comes first, then the OpenID UI Extension\'s ui.lang, then Accept-Language, then this.',
        ),
      logo: z
        .string()
        // Served with the content type its extension names (Branding); pages embed it as <img>.
        .regex(/\.(?:svg|png)$/i, 'expected the path of an .svg or .png file')
        .optional()
        .describe('Path of an SVG or PNG logo shown in page headers (served from /assets/logo). Absent: the product name alone.'),
      theme: z
        .string()
        .min(1)
        .optional()
        .describe(
          'Path of a CSS file loaded after the built-in stylesheet (served as /assets/theme.css): override the --op-* custom properties listed in README.md, or anything else.',
        ),
    })
    .prefault({}),
  oidc: oidc.describe('OpenID Connect beside OpenID 2.0: the same accounts, sessions and consent (discovery at {base}/.well-known/openid-configuration).'),
  data_dir: z.string().min(1).default('./data').describe('Where generated state lives (development TLS certificate and operator key file, embedded database).'),
}).superRefine((config, ctx) => {
  const names = new Set(config.domains.map((d) => d.name));
  const registered = new Map<string, number>();
  config.oidc.clients.forEach((client, i) => {
    // OpenID Connect Core 1.0 §8.1: without a sector_identifier_uri the sector is the host of the
    // redirect URIs, which must then be one host; sector_identifier_uri means nothing to a public client.
    if (client.subject_type === 'pairwise' && client.sector_identifier_uri === undefined && new Set(client.redirect_uris.map((uri) => URL.parse(uri)?.host)).size > 1) {
      ctx.addIssue({ code: 'custom', path: ['oidc', 'clients', i, 'sector_identifier_uri'], message: `client ${client.client_id} is pairwise and its redirect URIs span several hosts: sector_identifier_uri is required (OpenID Connect Core 1.0 §8.1)` });
    }
    if (client.subject_type === 'public' && client.sector_identifier_uri !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['oidc', 'clients', i, 'sector_identifier_uri'], message: `only for subject_type pairwise (client ${client.client_id} is public)` });
    }
    for (const [j, name] of (client.domains ?? []).entries()) {
      if (!names.has(name)) ctx.addIssue({ code: 'custom', path: ['oidc', 'clients', i, 'domains', j], message: `${name} is not a configured domain` });
    }
    for (const name of client.domains ?? [...names]) {
      const key = `${name} ${client.client_id}`;
      const other = registered.get(key);
      if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['oidc', 'clients', i, 'client_id'], message: `client ${client.client_id} is already registered on ${name} (oidc.clients.${other})` });
      registered.set(key, i);
    }
  });
  if (!config.security.https_only) return;
  config.domains.forEach((d, i) => {
    if (d.base_url.startsWith('http://')) ctx.addIssue({ code: 'custom', path: ['domains', i, 'base_url'], message: 'must be an https:// URL while security.https_only is on' });
  });
});
export type OidcClientConfig = z.output<typeof oidcClient>;

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type DomainConfig = Config['domains'][number];
