import { bootApp, testConfig, type TestApp } from '../helpers/test-app.js';

// Duplicated openid.* parameters (OpenID 2.0 §4.1.2: each key appears once; HTTP parameter
// pollution, OWASP WSTG-INPV-04; node-oidc-provider lib/shared/reject_dupes.js). Picking the
// first or the last lets two components of one request read different values (the signature
// checker one, the code that acts another). They are refused, in the GET query, the POST body,
// and across both.

const NS = 'http://specs.openid.net/auth/2.0';
const HTTPS = { host: 'example.org', 'x-forwarded-proto': 'https' };

describe('duplicated openid.* parameters (OpenID 2.0 §4.1.2, HTTP parameter pollution)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] } }));
  });
  afterAll(() => t?.close());

  const checkid = [
    ['openid.ns', NS],
    ['openid.mode', 'checkid_setup'],
    ['openid.claimed_id', `${NS}/identifier_select`],
    ['openid.identity', `${NS}/identifier_select`],
    ['openid.realm', 'https://rp.example/'],
    ['openid.return_to', 'https://rp.example/return'],
  ] as const;
  const query = (pairs: ReadonlyArray<readonly [string, string]>): string => new URLSearchParams(pairs as [string, string][]).toString();
  const with_ = (key: string, value: string, first = true): Array<[string, string]> => {
    const pairs = checkid.map(([k, v]) => [k, v] as [string, string]);
    const i = pairs.findIndex(([k]) => k === key);
    pairs.splice(first ? i + 1 : pairs.length, 0, [key, value]);
    return pairs;
  };

  function expectRefusedPage(res: { statusCode: number; headers: Record<string, unknown>; body: string }): void {
    expect(res.statusCode).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).not.toContain('evil.example');
  }

  it('control: the request without duplicates goes on to the login page', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/openid?${query(checkid)}`, headers: { ...HTTPS, accept: 'text/html' } });
    expect(res.statusCode).toBe(302);
    expect(String(res.headers.location)).toMatch(/^\/login\?request=/);
  });

  it.each([
    ['openid.return_to', 'https://evil.example/steal'],
    ['openid.return_to', 'https://rp.example/return'],
    ['openid.realm', 'https://evil.example/'],
    ['openid.mode', 'checkid_immediate'],
    ['openid.identity', 'https://example.org/openid/admin'],
    ['openid.ns', 'http://openid.net/signon/1.1'],
  ])('refuses %s twice in the GET query (%s), in either order, with a page (no redirect)', async (key, value) => {
    for (const first of [true, false]) {
      const res = await t.app.inject({ method: 'GET', url: `/openid?${query(with_(key, value, first))}`, headers: { ...HTTPS, accept: 'text/html' } });
      expectRefusedPage(res);
    }
  });

  it('refuses a key repeated with an identical value too (no "harmless" duplicates)', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/openid?${query(with_('openid.mode', 'checkid_setup'))}`, headers: { ...HTTPS, accept: 'text/html' } });
    expectRefusedPage(res);
  });

  it('refuses a key repeated in the POST body of a checkid request', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/openid', headers: { ...HTTPS, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, payload: query(with_('openid.return_to', 'https://evil.example/steal')) });
    expectRefusedPage(res);
  });

  it('refuses a key in both the query and the POST body (which one would win?)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/openid?${query([['openid.return_to', 'https://evil.example/steal']])}`,
      headers: { ...HTTPS, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      payload: query(checkid),
    });
    expectRefusedPage(res);
  });

  it('refuses percent-encoding tricks that name the same key twice (openid.%72eturn_to)', async () => {
    const url = `/openid?${query(checkid)}&openid.%72eturn_to=${encodeURIComponent('https://evil.example/steal')}`;
    expectRefusedPage(await t.app.inject({ method: 'GET', url, headers: { ...HTTPS, accept: 'text/html' } }));
  });

  describe('direct requests: a key-value error, HTTP 400 (§5.1.2.2)', () => {
    const post = (payload: string, url = '/openid') => t.app.inject({ method: 'POST', url, headers: { ...HTTPS, accept: '*/*', 'content-type': 'application/x-www-form-urlencoded' }, payload });
    const associate: Array<[string, string]> = [
      ['openid.ns', NS],
      ['openid.mode', 'associate'],
      ['openid.assoc_type', 'HMAC-SHA256'],
      ['openid.session_type', 'no-encryption'],
    ];

    it('control: associate without duplicates succeeds', async () => {
      expect((await post(query(associate))).statusCode).toBe(200);
    });

    it.each([
      ['openid.session_type', 'DH-SHA1'],
      ['openid.assoc_type', 'HMAC-SHA1'],
      ['openid.mode', 'check_authentication'],
    ])('refuses associate with %s twice in the body', async (key, value) => {
      const res = await post(query([...associate, [key, value]]));
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.body).toMatch(/^ns:http:\/\/specs\.openid\.net\/auth\/2\.0\nerror:[^\n]+\n/);
      expect(res.body).not.toContain('mac_key');
    });

    it('refuses associate with a key in both the query and the body', async () => {
      const res = await post(query(associate), `/openid?${query([['openid.session_type', 'DH-SHA256']])}`);
      expect(res.statusCode).toBe(400);
      expect(res.body).not.toContain('mac_key');
    });

    it.each(['openid.sig', 'openid.signed', 'openid.assoc_handle', 'openid.response_nonce', 'openid.sreg.email'])('refuses check_authentication with %s twice', async (key) => {
      const fields: Array<[string, string]> = [
        ['openid.ns', NS],
        ['openid.mode', 'check_authentication'],
        ['openid.op_endpoint', 'https://example.org/openid'],
        ['openid.return_to', 'https://rp.example/return'],
        ['openid.response_nonce', '2030-01-01T00:00:00Zabc'],
        ['openid.assoc_handle', '1.P2.abc'],
        ['openid.sreg.email', 'a@example.org'],
        ['openid.signed', 'op_endpoint,return_to,response_nonce,assoc_handle,sreg.email'],
        ['openid.sig', 'AAAA'],
        [key, 'second'],
      ];
      const res = await post(query(fields));
      expect(res.statusCode).toBe(400);
      expect(res.body).not.toContain('is_valid:true');
      expect(res.body).toMatch(/^ns:http:\/\/specs\.openid\.net\/auth\/2\.0\nerror:[^\n]+\n/);
    });
  });
});
