import { clientAddressKey } from '../../src/http/client-address.js';
import { bootApp, testConfig, type TestApp } from '../helpers/test-app.js';

// Associate is a public-key operation anyone may ask for (OpenID 2.0 §15.5 leaves DoS to the OP):
// a token bucket per client address, IPv6 counted by its /64, refused as a §5.1.2.2 direct error.

const NS = 'http://specs.openid.net/auth/2.0';

describe('clientAddressKey', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('%s counts as %s', (ip, key) => {
    expect(clientAddressKey(ip)).toBe(key);
  });
});

describe('associate rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, openid: { associate_rate_limit: { burst: 2, per_second: 0.01 } } }));
  });
  afterAll(() => t.close());

  const associate = (from: string) =>
    t.app.inject({
      method: 'POST',
      url: '/openid',
      headers: { host: 'example.org', 'x-forwarded-proto': 'https', 'x-forwarded-for': from, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ 'openid.ns': NS, 'openid.mode': 'associate', 'openid.assoc_type': 'HMAC-SHA256', 'openid.session_type': 'no-encryption' }).toString(),
    });

  it('allows a burst per address, then answers a direct error with error_code and Retry-After', async () => {
    expect((await associate('198.51.100.1')).statusCode).toBe(200);
    expect((await associate('198.51.100.1')).statusCode).toBe(200);
    const refused = await associate('198.51.100.1');
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toBe(`ns:${NS}\nerror:Too many association requests from this address: try again later\nerror_code:rate_limited\n`);
    expect(refused.headers['retry-after']).toBe('100');
    // Another client is not affected.
    expect((await associate('198.51.100.2')).statusCode).toBe(200);
  });

  it('counts an IPv6 client by its /64, whatever interface identifier it picks', async () => {
    expect((await associate('2001:db8:5:6::1')).statusCode).toBe(200);
    expect((await associate('2001:db8:5:6::2')).statusCode).toBe(200);
    expect((await associate('2001:db8:5:6:ffff::3')).statusCode).toBe(400);
    expect((await associate('2001:db8:5:7::1')).statusCode).toBe(200);
  });
});
