import { AuditService } from '../../src/audit/audit.service.js';
import { UsersService } from '../../src/users/users.service.js';
import { Browser, startProvider, type LiveProvider } from '../helpers/live.js';
import { bootApp, testConfig, uniqueName, type TestApp } from '../helpers/test-app.js';

// Issue 11 point 4: per-client rate limits on check_authentication and on unauthenticated checkid
// traffic, like associate's (test/association/associate-rate-limit.spec.ts). OpenID 2.0 §15.5
// leaves denial of service to the OP; a token bucket per client address key, IPv6 by its /64
// (RFC 4291 §2.5.4). Refusals: a §5.1.2.2 direct error for check_authentication, a 429 page or
// problem+json with Retry-After for checkid; each counted in openid_rate_limited_total and
// audited (at most once per client and minute).

const NS = 'http://specs.openid.net/auth/2.0';

async function metric(t: TestApp, name: string): Promise<string> {
  return t.runtime.metrics.registry.getSingleMetricAsString(name);
}

describe('check_authentication rate limit (per client address)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, openid: { check_authentication_rate_limit: { burst: 2, per_second: 0.01 } } }));
  });
  afterAll(() => t.close());

  const checkAuthentication = (from: string) =>
    t.app.inject({
      method: 'POST',
      url: '/openid',
      headers: { host: 'example.org', 'x-forwarded-proto': 'https', 'x-forwarded-for': from, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        'openid.ns': NS,
        'openid.mode': 'check_authentication',
        'openid.assoc_handle': '1.P.forged',
        'openid.signed': 'mode,assoc_handle',
        'openid.sig': 'AAAA',
      }).toString(),
    });

  it('answers a burst, then a §5.1.2.2 direct error with error_code rate_limited and Retry-After; others unaffected', async () => {
    const first = await checkAuthentication('198.51.100.10');
    expect(first.statusCode).toBe(200);
    expect(first.body).toBe(`ns:${NS}\nis_valid:false\n`);
    expect((await checkAuthentication('198.51.100.10')).statusCode).toBe(200);
    const refused = await checkAuthentication('198.51.100.10');
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['content-type']).toMatch(/^text\/plain/);
    expect(refused.body).toBe(`ns:${NS}\nerror:Too many check_authentication requests from this address: try again later\nerror_code:rate_limited\n`);
    expect(refused.headers['retry-after']).toBe('100');
    expect((await checkAuthentication('198.51.100.11')).statusCode).toBe(200);
    expect(await metric(t, 'openid_rate_limited_total')).toContain('openid_rate_limited_total{kind="check_authentication"} 1');
    expect(await metric(t, 'openid_check_authentication_total')).toContain('openid_check_authentication_total{is_valid="false"} 3');
  });

  it('counts an IPv6 client by its /64 and audits the refusal once per minute, however many there are', async () => {
    expect((await checkAuthentication('2001:db8:c:1::1')).statusCode).toBe(200);
    expect((await checkAuthentication('2001:db8:c:1::2')).statusCode).toBe(200);
    for (let i = 3; i <= 6; i++) expect((await checkAuthentication(`2001:db8:c:1:${i}::${i}`)).statusCode).toBe(400);
    expect((await checkAuthentication('2001:db8:c:2::1')).statusCode).toBe(200);
    const events = await t.app.get(AuditService).search({ kinds: ['check_auth_rate_limited'], domain: 'example.org', since: new Date(Date.now() - 60_000), limit: 100 });
    expect(events.filter((e) => e.ip?.startsWith('2001:db8:c:1:'))).toHaveLength(1);
    expect(events.find((e) => e.ip?.startsWith('2001:db8:c:1:'))).toMatchObject({ userId: null, ip: '2001:db8:c:1:3::3' });
  });
});

describe('unauthenticated checkid rate limit (per client address)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, openid: { checkid_rate_limit: { burst: 2, per_second: 0.05 } } }));
  });
  afterAll(() => t.close());

  const query = (mode: string) =>
    new URLSearchParams({
      'openid.ns': NS,
      'openid.mode': mode,
      'openid.claimed_id': 'http://specs.openid.net/auth/2.0/identifier_select',
      'openid.identity': 'http://specs.openid.net/auth/2.0/identifier_select',
      'openid.return_to': 'https://rp.example/back',
      'openid.realm': 'https://rp.example/',
    }).toString();
  const headers = (from: string, accept = 'text/html') => ({ host: 'example.org', 'x-forwarded-proto': 'https', 'x-forwarded-for': from, accept });

  it('lets a browser without a session start a few sign-ins, then answers 429 with Retry-After (page or problem+json)', async () => {
    const from = '203.0.113.20';
    for (let i = 0; i < 2; i++) {
      const res = await t.app.inject({ method: 'GET', url: `/openid?${query('checkid_setup')}`, headers: headers(from) });
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toMatch(/^\/login\?request=/);
    }
    const page = await t.app.inject({ method: 'GET', url: `/openid?${query('checkid_setup')}`, headers: headers(from) });
    expect(page.statusCode).toBe(429);
    expect(page.headers['retry-after']).toBe('20');
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('Too many sign-in requests from this address');
    expect(page.headers['x-request-id']).toBeTruthy();
    const problem = await t.app.inject({ method: 'GET', url: `/openid?${query('checkid_setup')}`, headers: headers(from, 'application/json') });
    expect(problem.statusCode).toBe(429);
    expect(problem.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(problem.body)).toMatchObject({ status: 429, code: 'rate_limited', requestId: problem.headers['x-request-id'] });
    // Another address is not affected.
    expect((await t.app.inject({ method: 'GET', url: `/openid?${query('checkid_setup')}`, headers: headers('203.0.113.21') })).statusCode).toBe(302);
    expect(await metric(t, 'openid_rate_limited_total')).toContain('openid_rate_limited_total{kind="checkid"} 2');
  });

  it('counts checkid_immediate and cross-site POSTed checkid requests too', async () => {
    const from = '2001:db8:d:1::1';
    const immediate = await t.app.inject({ method: 'GET', url: `/openid?${query('checkid_immediate')}`, headers: headers(from) });
    expect(immediate.statusCode).toBe(302);
    expect(new URL(immediate.headers.location as string).searchParams.get('openid.mode')).toBe('setup_needed');
    const posted = await t.app.inject({ method: 'POST', url: '/openid', headers: { ...headers('2001:db8:d:1::2'), 'content-type': 'application/x-www-form-urlencoded' }, payload: query('checkid_setup') });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toMatch(/^\/continue\?request=/);
    // Same /64: the third is refused, whichever mode.
    expect((await t.app.inject({ method: 'GET', url: `/openid?${query('checkid_immediate')}`, headers: headers('2001:db8:d:1:ffff::3') })).statusCode).toBe(429);
  });
});

describe('checkid rate limit and signed-in browsers', () => {
  let op: LiveProvider;
  const password = 'wherefore art thou';
  let username: string;
  beforeAll(async () => {
    op = await startProvider({ openid: { checkid_rate_limit: { burst: 2, per_second: 0.01 } } });
    username = uniqueName('romeo');
    await op.app.get(UsersService).create({ domain: 'localhost', username, password });
  });
  afterAll(() => op.close());

  it('does not count a signed-in browser\'s checkid_setup, but counts its checkid_immediate', async () => {
    const browser = new Browser();
    const login = await browser.request('GET', `${op.base}/login`);
    expect(login.status).toBe(200);
    const signedIn = await browser.submit(login, { username, password });
    expect([302, 303]).toContain(signedIn.status);
    const url = (mode: string) =>
      `${op.endpoint}?${new URLSearchParams({ 'openid.ns': NS, 'openid.mode': mode, 'openid.claimed_id': op.identifier(username), 'openid.identity': op.identifier(username), 'openid.return_to': 'https://rp.example/back', 'openid.realm': 'https://rp.example/' })}`;
    // Five sign-ins in a row with a session: the consent page each time, never 429.
    for (let i = 0; i < 5; i++) {
      const res = await browser.request('GET', url('checkid_setup'));
      expect(res.status).toBe(302);
      expect(String(res.headers.location)).toMatch(/\/consent\?request=/);
    }
    // checkid_immediate needs no person (§9.3): counted even with a session.
    expect((await browser.request('GET', url('checkid_immediate'))).status).toBe(302);
    expect((await browser.request('GET', url('checkid_immediate'))).status).toBe(302);
    expect((await browser.request('GET', url('checkid_immediate'))).status).toBe(429);
  });
});

describe('relying-party discovery budget per client address, counted', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(
      testConfig({
        server: { trusted_proxies: ['127.0.0.1'] },
        // require: every checkid discovers its realm (OpenID 2.0 §9.2.1); one new realm per client.
        realm: { return_to_verification: 'require', discovery: { client_rate_limit: { burst: 1, per_minute: 0.01 } } },
      }),
    );
  });
  afterAll(() => t.close());

  it('refuses to start a second discovery for the same client, and counts it as kind discovery', async () => {
    const checkid = (realm: string) =>
      t.app.inject({
        method: 'GET',
        url: `/openid?${new URLSearchParams({ 'openid.ns': NS, 'openid.mode': 'checkid_setup', 'openid.return_to': `${realm}back`, 'openid.realm': realm })}`,
        headers: { host: 'example.org', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.30', accept: 'text/html' },
      });
    // Loopback realms: the SSRF guard refuses the fetch at once (no request leaves), but the
    // discovery was started and spent the client's budget.
    const first = await checkid('https://127.0.0.1:1/');
    expect(first.statusCode).toBe(400);
    // An indirect error whose return_to is not verified: a page, never a redirect to it.
    expect(first.body).toContain('The site did not confirm this return address');
    expect(await metric(t, 'openid_rate_limited_total')).not.toContain('kind="discovery"');
    const second = await checkid('https://127.0.0.2:1/');
    expect(second.statusCode).toBe(400);
    expect(await metric(t, 'openid_rate_limited_total')).toContain('openid_rate_limited_total{kind="discovery"} 1');
  });
});
