import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { UsersService } from '../../src/users/users.service.js';
import { bootApp, testConfig, type TestApp } from '../helpers/test-app.js';
import { expectWellFormedAnswer } from './http-answers.js';
import { BROKEN_PERCENT, hostileString, runs, timeout, wellFormed } from './fuzz.js';

// The HTTP fuzz suite: one app on the embedded database, every route of the controllers (and
// unknown paths) sent random and hostile requests through Fastify's inject: query strings, form
// and JSON bodies, content types, header values, path parameters, huge field counts. Each answer
// must satisfy expectWellFormedAnswer (http-answers.ts): never a 5xx, always the request id and
// the security headers, refusals in one of the spec's shapes. Raw bytes that inject cannot send
// (non-Latin-1 URLs, broken request lines) go over a socket in http-raw.spec.ts.
// Short mode by default (a few hundred requests per property); long mode: FUZZ_RUNS=20000
// (see test/fuzz/fuzz.ts; FUZZ_SEED replays a failure).

const NS = 'http://specs.openid.net/auth/2.0';
const CSRF = 'c'.repeat(43);
const UUID = '2b1f6f3e-9c4e-4d7a-8f00-0123456789ab';
const PASSWORD = 'a good passphrase';

/** Every route of the controllers: [method, path with :params]. */
const ROUTES: ReadonlyArray<readonly [string, string]> = [
  ['GET', '/'],
  ['GET', '/openid'],
  ['POST', '/openid'],
  ['GET', '/openid/:user'],
  ['GET', '/login'],
  ['POST', '/login'],
  ['GET', '/login/approval/:id'],
  ['POST', '/login/approval/:id/cancel'],
  ['GET', '/login/code'],
  ['POST', '/login/code'],
  ['GET', '/continue'],
  ['GET', '/consent'],
  ['POST', '/consent'],
  ['POST', '/logout'],
  ['POST', '/logout-everywhere'],
  ['POST', '/account/profile'],
  ['POST', '/account/notices'],
  ['POST', '/account/trust/:id/revoke'],
  ['POST', '/account/sessions/:id/revoke'],
  ['POST', '/account/factors/totp'],
  ['GET', '/account/factors/totp/:id'],
  ['POST', '/account/factors/totp/:id'],
  ['POST', '/account/factors/totp/:id/remove'],
  ['POST', '/account/factors/recovery'],
  ['POST', '/account/factors/passkey'],
  ['GET', '/account/factors/passkey'],
  ['POST', '/account/factors/passkey/options'],
  ['POST', '/account/factors/passkey/register'],
  ['POST', '/account/factors/passkey/:id/remove'],
  ['POST', '/login/code/passkey/options'],
  ['POST', '/login/code/passkey'],
  ['POST', '/login/passkey/options'],
  ['POST', '/login/passkey'],
  // OpenID Connect (src/oidc): our interaction pages and oidc-provider's routes.
  ['GET', '/oidc/interaction/:uid'],
  ['POST', '/oidc/interaction/:uid'],
  ['GET', '/.well-known/openid-configuration'],
  ['GET', '/oidc/auth'],
  ['POST', '/oidc/auth'],
  ['POST', '/oidc/token'],
  ['GET', '/oidc/me'],
  ['GET', '/oidc/jwks'],
  ['POST', '/oidc/token/revocation'],
  ['GET', '/oidc/session/end'],
  ['POST', '/oidc/session/end/confirm'],
  ['GET', '/healthz'],
  ['GET', '/readyz'],
  ['GET', '/metrics'],
  ['GET', '/assets/style.css'],
  ['GET', '/assets/autosubmit.js'],
  ['GET', '/assets/webauthn.js'],
  ['GET', '/assets/passkeys.js'],
  ['GET', '/assets/theme.css'],
  ['GET', '/assets/logo'],
  ['GET', '/favicon.svg'],
  ['GET', '/favicon.ico'],
];

const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];

/** Percent-encoded as a browser would, or raw with broken percent-encoding left in. */
const encoded = (text: string, raw: boolean): string => (raw ? wellFormed(text).replace(/[#?&= /\\]/g, encodeURIComponent) : encodeURIComponent(wellFormed(text)));

const paramValue = fc.oneof(
  fc.constantFrom('romeo', 'Romeo', UUID, UUID.toUpperCase(), '', 'p', '..', '%2e%2e', 'user@example.org', 'a%2Fb', '%00', '%E0%A4%A', '%ff', '%C0%AF'),
  fc.tuple(hostileString(4), fc.boolean()).map(([s, raw]) => encoded(s, raw)),
  fc.constantFrom(...BROKEN_PERCENT).map((b) => `x${b}y`),
  // Around the router's maxParamLength (3,069) and the username column (1,023).
  fc.integer({ min: 1000, max: 5000 }).map((n) => 'a'.repeat(n)),
  fc.integer({ min: 300, max: 1200 }).map((n) => '%C3%A9'.repeat(n)),
);

const RETURN_TOS = ['https://rp.example/back', 'https://rp.example/back?x=1#f', 'https://*.rp.example/', 'http://rp.example/', 'https:///user@rp.example/', 'https://рф.example/назад', 'https://rp.example/%E0%A4%A', 'https://rp.example/\u0000', 'javascript:alert(1)', 'https://rp.example\\@evil.example/', 'https://rp.example./', 'https://xn--bcher-kva.example/', 'https://bücher.example/'];
const MODES = ['checkid_setup', 'checkid_immediate', 'associate', 'check_authentication', 'id_res', 'error', '', 'CHECKID_SETUP'];
const openidPair = fc.oneof(
  fc.constantFrom(...MODES).map((m) => ['openid.mode', m] as [string, string]),
  fc.constantFrom(NS, 'http://openid.net/signon/1.1', '', 'x').map((ns) => ['openid.ns', ns] as [string, string]),
  fc.tuple(fc.constantFrom('openid.return_to', 'openid.realm', 'openid.trust_root'), fc.oneof(fc.constantFrom(...RETURN_TOS), hostileString(4))),
  fc.tuple(fc.constantFrom('openid.identity', 'openid.claimed_id'), fc.constantFrom('http://specs.openid.net/auth/2.0/identifier_select', 'https://example.org/openid/romeo', 'https://example.org/openid/\u00e9')),
  fc.tuple(fc.constantFrom('openid.assoc_type', 'openid.session_type', 'openid.assoc_handle', 'openid.sig', 'openid.signed', 'openid.dh_modulus', 'openid.dh_gen', 'openid.dh_consumer_public', 'openid.ns.sreg', 'openid.sreg.required', 'openid.ns.ax', 'openid.ax.mode'), hostileString(3)),
  fc.tuple(hostileString(3).map((k) => `openid.${k}`), hostileString(3)),
);
const formPair = fc.oneof(
  openidPair,
  fc.tuple(fc.constantFrom('username', 'password', 'remember', 'method', 'request', 'decision', 'release', 'nickname', 'email', 'share', 'notices', 'identifier', 'code', 'csrf', '__proto__', 'constructor', 'toString', 'hasOwnProperty'), fc.oneof(fc.constantFrom('romeo', 'xmpp', 'password', '1', 'allow_once', 'allow_always', 'deny', 'on', 'off', 'email', UUID, ''), hostileString(3))),
  fc.tuple(hostileString(3), hostileString(3)),
);
const pairs = fc.array(formPair, { maxLength: 10 });
const urlEncoded = (list: Array<[string, string]>, raw: boolean): string => list.map(([k, v]) => `${encoded(k, raw)}=${encoded(v, raw)}`).join('&');

const query = fc.oneof(
  { weight: 2, arbitrary: fc.constant('') },
  { weight: 4, arbitrary: fc.tuple(pairs, fc.boolean()).map(([list, raw]) => `?${urlEncoded(list, raw)}`) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...BROKEN_PERCENT, '&', '=', 'openid.mode=', 'xrds', 'request='), { maxLength: 8 }).map((parts) => `?${parts.join('')}`) },
  // Huge field counts.
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 3000 }).map((n) => `?openid.mode=checkid_setup&${Array.from({ length: n }, (_, i) => `openid.f${i}=x`).join('&')}`) },
);

const CONTENT_TYPES = ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'APPLICATION/X-WWW-FORM-URLENCODED', 'application/x-www-form-urlencoded;charset=latin1', 'application/json', 'application/json; charset=utf-16', 'text/plain', 'multipart/form-data; boundary=x', 'multipart/form-data', 'application/xml', 'application/octet-stream', '', ';', 'application/x-www-form-urlencoded, application/json', 'text/html; charset="', '*/*'];
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
/** A body and its content type: mostly the right one, sometimes any (or none). */
const withType = (payload: fc.Arbitrary<string | undefined>, usual: string): fc.Arbitrary<[string | undefined, string | undefined]> =>
  fc.tuple(payload, fc.oneof({ weight: 5, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) }, { weight: 1, arbitrary: fc.constant(undefined) }));
const body = fc.oneof(
  { weight: 1, arbitrary: fc.constant<[string | undefined, string | undefined]>([undefined, undefined]) },
  { weight: 6, arbitrary: withType(fc.tuple(pairs, fc.boolean(), fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) })).map(([list, raw, csrf]) => urlEncoded(csrf ? [...list, ['csrf', CSRF]] : list, raw)), FORM) },
  { weight: 1, arbitrary: withType(hostileString(10), FORM) },
  { weight: 1, arbitrary: withType(fc.jsonValue().map((v) => JSON.stringify(v)), JSON_TYPE) },
  { weight: 1, arbitrary: withType(fc.dictionary(fc.oneof(fc.constantFrom('csrf', 'username', 'password', 'decision', 'request', 'release', '__proto__'), hostileString(2)), fc.jsonValue()).map((o) => JSON.stringify({ ...o, csrf: CSRF })), JSON_TYPE) },
  // Huge field counts and over-long values.
  { weight: 1, arbitrary: withType(fc.integer({ min: 200, max: 5000 }).map((n) => `csrf=${CSRF}&openid.mode=checkid_setup&${Array.from({ length: n }, (_, i) => `f${i}=x`).join('&')}`), FORM) },
  { weight: 1, arbitrary: withType(fc.integer({ min: 1, max: 300_000 }).map((n) => `csrf=${CSRF}&username=${'u'.repeat(n)}&password=x&openid.return_to=${'r'.repeat(n)}`), FORM) },
);

/** Header values as Node lets a client send them: Latin-1 without controls (TAB allowed). */
const headerSafe = (text: string): string => text.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
const headerValue = hostileString(4).map(headerSafe);
const ACCEPTS = ['text/html,application/xhtml+xml,*/*;q=0.8', '*/*', 'application/json', 'application/problem+json', 'application/xrds+xml', 'text/html;q=0.5, application/json', 'text/html;q=abc', ';;;', ''];

interface FuzzRequest {
  method: string;
  path: string;
  options: InjectOptions;
}

function requests(session: () => string): fc.Arbitrary<FuzzRequest> {
  const route = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ROUTES) },
    // The forms, where a valid CSRF pair lets a request through to validation and the services.
    { weight: 3, arbitrary: fc.constantFrom(...ROUTES.filter(([method]) => method === 'POST')) },
    { weight: 1, arbitrary: fc.array(fc.oneof(fc.constantFrom('openid', 'account', 'login', 'x', '.well-known', 'assets', '..', '%2e%2e', ''), paramValue), { minLength: 1, maxLength: 4 }).map((segments): readonly [string, string] => ['GET', `/${segments.join('/')}`]) },
  );
  return fc
    .record({
      route,
      otherMethod: fc.option(fc.constantFrom(...METHODS), { freq: 6 }),
      param: paramValue,
      query,
      body,
      accept: fc.option(fc.oneof(fc.constantFrom(...ACCEPTS), headerValue), { freq: 4 }),
      host: fc.oneof({ weight: 16, arbitrary: fc.constant('example.org') }, { weight: 1, arbitrary: fc.constantFrom('EXAMPLE.ORG', 'example.org:443', 'example.org.', 'evil.example', '[::1]', '') }, { weight: 1, arbitrary: headerValue }),
      https: fc.oneof({ weight: 16, arbitrary: fc.constant('https') }, { weight: 1, arbitrary: fc.constantFrom('http', 'HTTPS', 'https, http', '') }),
      cookie: fc.oneof(
        { weight: 3, arbitrary: fc.constant('csrf') },
        { weight: 2, arbitrary: fc.constant('session') },
        { weight: 1, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: headerValue.map((v) => `__Host-op-session=${v}; __Host-op-csrf=${v}`) },
      ),
      origin: fc.option(fc.oneof(fc.constantFrom('https://example.org', 'null', 'https://evil.example'), headerValue), { freq: 5 }),
      extra: fc.dictionary(fc.constantFrom('user-agent', 'accept-language', 'x-request-id', 'x-forwarded-for', 'x-forwarded-host', 'referer', 'if-none-match', 'range', 'content-encoding', 'transfer-encoding-x', 'authorization'), headerValue, { maxKeys: 3 }),
    })
    .map((r): FuzzRequest => {
      const [routeMethod, template] = r.route;
      const method = r.otherMethod ?? routeMethod;
      const path = template.replace(/:[a-z]+/g, r.param) + r.query;
      const headers: Record<string, string> = { host: r.host, 'x-forwarded-proto': r.https, ...r.extra };
      if (r.accept !== null) headers['accept'] = r.accept;
      if (r.origin !== null) headers['origin'] = r.origin;
      if (r.cookie === 'csrf') headers['cookie'] = `__Host-op-csrf=${CSRF}`;
      else if (r.cookie === 'session') headers['cookie'] = `__Host-op-csrf=${CSRF}; ${session()}`;
      else if (r.cookie !== undefined) headers['cookie'] = r.cookie;
      const [payload, contentType] = r.body;
      const withBody = payload !== undefined && method !== 'GET' && method !== 'HEAD';
      if (withBody && contentType !== undefined) headers['content-type'] = contentType;
      return { method, path, options: { method: method as InjectOptions['method'], url: path, headers, ...(withBody ? { payload } : {}) } };
    });
}

describe('HTTP routes, fuzzed: never a 5xx, always the request id and security headers, refusals in shape', () => {
  let t: TestApp;
  let sessionCookie = '';

  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] } }));
    await t.app.get(UsersService).create({ domain: 'example.org', username: 'romeo', password: PASSWORD });
    await logIn();
  });
  afterAll(() => t.close());

  async function logIn(): Promise<void> {
    const login = await t.app.inject({
      method: 'POST',
      url: '/login',
      headers: { host: 'example.org', 'x-forwarded-proto': 'https', 'content-type': 'application/x-www-form-urlencoded', cookie: `__Host-op-csrf=${CSRF}` },
      payload: new URLSearchParams({ csrf: CSRF, username: 'romeo', password: PASSWORD }).toString(),
    });
    expect(login.statusCode, login.body).toBe(303);
    const cookies = ([] as string[]).concat(login.headers['set-cookie'] ?? []);
    sessionCookie = cookies.find((c) => c.startsWith('__Host-op-session='))!.split(';')[0]!;
  }

  async function send(request: FuzzRequest): Promise<void> {
    const res = await t.app.inject(request.options);
    // A fuzzed sign-out ended the session the next requests use.
    if (request.path.startsWith('/logout') && res.statusCode === 303) await logIn();
    expectWellFormedAnswer(res, request);
  }

  it('every route, with hostile paths, queries, bodies, content types and headers', { timeout: timeout(60_000) }, async () => {
    await fc.assert(fc.asyncProperty(requests(() => sessionCookie), send), runs(300));
    // The process is up, the database still answers, the session still works.
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('the forms behind a valid CSRF token: hostile, repeated, missing and unknown fields reach validation and the services', { timeout: timeout(60_000) }, async () => {
    const forms = ROUTES.filter(([method, path]) => method === 'POST' && path !== '/openid').map(([, path]) => path);
    const form = fc.tuple(fc.constantFrom(...forms), paramValue, pairs, fc.boolean(), fc.boolean(), fc.constantFrom(...ACCEPTS));
    await fc.assert(
      fc.asyncProperty(form, async ([template, param, list, raw, loggedIn, accept]) => {
        const path = template.replace(/:[a-z]+/g, param);
        const headers = { host: 'example.org', 'x-forwarded-proto': 'https', accept, 'content-type': 'application/x-www-form-urlencoded', cookie: `__Host-op-csrf=${CSRF}${loggedIn ? `; ${sessionCookie}` : ''}` };
        await send({ method: 'POST', path, options: { method: 'POST', url: path, headers, payload: urlEncoded([...list, ['csrf', CSRF]], raw) } });
      }),
      runs(200),
    );
  });

  it('the OpenID endpoint: hostile openid.* messages by GET and POST (§4.1.2, §5.1.2.2, §5.2.3)', { timeout: timeout(60_000) }, async () => {
    const message = fc.tuple(fc.array(openidPair, { minLength: 1, maxLength: 12 }), fc.boolean(), fc.boolean(), fc.constantFrom(...ACCEPTS), fc.boolean());
    await fc.assert(
      fc.asyncProperty(message, async ([list, post, raw, accept, loggedIn]) => {
        const encodedPairs = urlEncoded(list, raw);
        const headers: Record<string, string> = { host: 'example.org', 'x-forwarded-proto': 'https', accept, ...(loggedIn ? { cookie: sessionCookie } : {}) };
        const options: InjectOptions = post
          ? { method: 'POST', url: '/openid', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, payload: encodedPairs }
          : { method: 'GET', url: `/openid?${encodedPairs}`, headers };
        await send({ method: options.method as string, path: String(options.url), options });
      }),
      runs(300),
    );
  });
});
