import { bootApp, testConfig, type TestApp } from '../helpers/test-app.js';

// Open redirects through realm / return_to (OpenID 2.0 §9.2: the return_to MUST match the realm,
// and §9.2.1; OWASP ASVS 5.1.5, CWE-601). A request whose return_to lies outside its realm, or
// whose realm is malformed or too broad, is answered on an HTML error page, never redirected:
// otherwise the provider is an open redirector with the RP's name on it (the "Covert Redirect"
// report of 2014, Wang Jing, against OAuth 2.0 and OpenID providers). Cases are the classic URL
// parser confusions (Orange Tsai, "A New Era of SSRF", Black Hat 2017), punycode homographs
// (CVE-2017-5015 and kin), and the public-suffix wildcards of §9.2's domain rule.

const HTTPS = { host: 'example.org', 'x-forwarded-proto': 'https', accept: 'text/html' };
const NS = 'http://specs.openid.net/auth/2.0';

type Case = readonly [name: string, realm: string, returnTo: string];

const OUTSIDE_REALM: readonly Case[] = [
  // Encoded slashes and backslashes: a string matcher sees rp.example, a URL parser another host.
  ['%2F in the host (WHATWG: forbidden host code point)', 'https://*.rp.example/', 'https://evil.example%2F.rp.example/'],
  ['%2F in the path escaping the realm path', 'https://rp.example/app/', 'https://rp.example/app%2F..%2F..%2Fadmin'],
  ['%5C in the host', 'https://*.rp.example/', 'https://evil.example%5C.rp.example/'],
  ['%5C before an @ (encoded backslash + userinfo)', 'https://rp.example/', 'https://rp.example%5C@evil.example/'],
  ['a backslash read as a slash (WHATWG special schemes)', 'https://*.rp.example/', 'https://evil.example\\.rp.example/'],
  ['a backslash before @', 'https://rp.example/', 'https://evil.example\\@rp.example/'],
  ['backslashes instead of slashes', 'https://rp.example/', 'https:\\\\evil.example\\rp.example/'],
  // Userinfo: the host is after the @.
  ['userinfo naming the RP (https://rp.example@evil.example/)', 'https://rp.example/', 'https://rp.example@evil.example/'],
  ['userinfo with a password', 'https://rp.example/', 'https://rp.example:443@evil.example/'],
  ['userinfo on a wildcard realm', 'https://*.rp.example/', 'https://www.rp.example@evil.example/'],
  // IDN homographs: the realm and return_to hosts are compared after IDNA (UTS #46) as DNS knows them.
  ['a Cyrillic look-alike return_to for a Latin realm (xn--pple-43d)', 'https://apple.example/', 'https://аpple.example/'],
  ['a Latin return_to for a Cyrillic realm', 'https://аpple.example/', 'https://apple.example/'],
  ['the punycode of a look-alike', 'https://apple.example/', 'https://xn--pple-43d.example/'],
  ['a fullwidth solidus (U+FF0F) that IDNA maps to "/"', 'https://*.rp.example/', 'https://evil.example／.rp.example/'],
  ['a fullwidth full stop (U+FF0E) forging a subdomain of another host', 'https://*.rp.example/', 'https://rp.example．evil.example/'],
  // Scheme and port (§9.2: "the URL scheme and port MUST match").
  ['http return_to for an https realm', 'https://rp.example/', 'http://rp.example/'],
  ['https return_to for an http realm', 'http://rp.example/', 'https://rp.example/'],
  ['another port than the realm\'s default', 'https://rp.example/', 'https://rp.example:8443/'],
  ['the default port for a realm with another port', 'https://rp.example:8443/', 'https://rp.example/'],
  ['port 80 on https', 'https://rp.example/', 'https://rp.example:80/'],
  // Trailing dots: another origin to the browser (WHATWG URL), so another RP.
  ['a trailing dot on the return_to host', 'https://rp.example/', 'https://rp.example./'],
  ['a trailing dot on the realm host', 'https://rp.example./', 'https://rp.example/'],
  ['a trailing dot under a wildcard', 'https://*.rp.example/', 'https://www.rp.example./'],
  // Suffix and prefix games on the domain rule.
  ['a host that merely ends with the realm host', 'https://rp.example/', 'https://evilrp.example/'],
  ['a wildcard realm and a host that ends with its base', 'https://*.rp.example/', 'https://evilrp.example/'],
  ['the realm as a subdomain of the attacker', 'https://rp.example/', 'https://rp.example.evil.example/'],
  ['a subdomain for a realm without wildcard', 'https://rp.example/', 'https://www.rp.example/'],
  ['a path outside the realm path', 'https://rp.example/app/', 'https://rp.example/application'],
  ['a dot-segment path escaping the realm path', 'https://rp.example/app/', 'https://rp.example/app/../admin'],
  // Schemes that are not http(s).
  ['javascript: return_to', 'https://rp.example/', 'javascript:alert(document.domain)//rp.example/'],
  ['data: return_to', 'https://rp.example/', 'data:text/html,<script>alert(1)</script>'],
  ['a protocol-relative return_to', 'https://rp.example/', '//evil.example/'],
  ['a relative return_to', 'https://rp.example/', '/path'],
];

const BAD_REALMS: readonly Case[] = [
  // §9.2 domain rule over a public suffix: "*.com" would trust every site.
  ['an over-broad wildcard: *.com', 'https://*.com/', 'https://evil.com/'],
  ['an over-broad wildcard: *.co.uk (public suffix list)', 'https://*.co.uk/', 'https://evil.co.uk/'],
  ['an over-broad wildcard: *.uk', 'https://*.uk/', 'https://evil.uk/'],
  ['a wildcard alone (*)', 'https://*/', 'https://evil.example/'],
  ['a wildcard on a private-registry public suffix (*.github.io)', 'https://*.github.io/', 'https://evil.github.io/'],
  ['a wildcard not in the leftmost label', 'https://rp.*.example/', 'https://rp.evil.example/'],
  ['a wildcard inside a label', 'https://r*.example/', 'https://rp.example/'],
  ['a wildcard on an IP address', 'https://*.0.0.1/', 'https://127.0.0.1/'],
  // §9.2: "A realm MUST NOT contain a URI fragment."
  ['a fragment in the realm', 'https://rp.example/#frag', 'https://rp.example/'],
  ['an empty fragment in the realm', 'https://rp.example/#', 'https://rp.example/'],
  ['userinfo in the realm', 'https://user@rp.example/', 'https://user@rp.example/'],
  ['a realm that is not http(s)', 'ftp://rp.example/', 'ftp://rp.example/'],
  ['a realm that is not a URL', 'rp.example', 'https://rp.example/'],
];

describe('open redirects through realm and return_to (OpenID 2.0 §9.2, CWE-601)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] } }));
  });
  afterAll(() => t?.close());

  const checkid = (realm: string, returnTo: string, mode = 'checkid_setup') =>
    t.app.inject({
      method: 'GET',
      url: `/openid?${new URLSearchParams({ 'openid.ns': NS, 'openid.mode': mode, 'openid.claimed_id': `${NS}/identifier_select`, 'openid.identity': `${NS}/identifier_select`, 'openid.realm': realm, 'openid.return_to': returnTo })}`,
      headers: HTTPS,
    });

  function expectErrorPage(res: Awaited<ReturnType<typeof checkid>>): void {
    expect(res.statusCode).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers.refresh).toBeUndefined();
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    // No link back to the attacker's URL either (the page is not a redirector by hand).
    expect(res.body).not.toMatch(/<a [^>]*href="[^"]*evil/);
    expect(res.body).not.toContain('http-equiv="refresh"');
  }

  it.each(OUTSIDE_REALM)('refuses %s: realm %s, return_to %s, with an error page (§9.2)', async (_name, realm, returnTo) => {
    for (const mode of ['checkid_setup', 'checkid_immediate']) expectErrorPage(await checkid(realm, returnTo, mode));
  });

  it.each(BAD_REALMS)('refuses %s: realm %s (return_to %s) with an error page (§9.2)', async (_name, realm, returnTo) => {
    for (const mode of ['checkid_setup', 'checkid_immediate']) expectErrorPage(await checkid(realm, returnTo, mode));
  });

  // Controls: the same matcher lets a legitimate request through (to the login page), so the
  // refusals above are about the attack, not a broken request.
  it.each([
    ['the same origin', 'https://rp.example/', 'https://rp.example/return'],
    ['an explicit default port on the realm (§9.2: ports match)', 'https://rp.example:443/', 'https://rp.example/return'],
    ['an explicit default port on the return_to', 'https://rp.example/', 'https://rp.example:443/return'],
    ['a subdomain under a wildcard realm', 'https://*.rp.example/', 'https://www.rp.example/return'],
    ['the wildcard\'s base domain itself', 'https://*.rp.example/', 'https://rp.example/return'],
    ['a sub-path of the realm path', 'https://rp.example/app/', 'https://rp.example/app/return'],
    ['an IDN realm and its punycode return_to (same host for DNS)', 'https://аpple.example/', 'https://xn--pple-43d.example/return'],
    ['upper-case host letters', 'https://RP.example/', 'https://rp.EXAMPLE/return'],
  ])('accepts %s (control)', async (_name, realm, returnTo) => {
    const res = await checkid(realm, returnTo);
    expect(res.statusCode).toBe(302);
    expect(String(res.headers.location)).toMatch(/^\/login\?request=/);
  });

  it('answers an error for a well-formed in-realm request by redirecting to return_to only then (§5.2.3)', async () => {
    // An unknown identifier inside a valid realm: the error may travel to the verified return_to.
    const res = await t.app.inject({
      method: 'GET',
      url: `/openid?${new URLSearchParams({ 'openid.ns': NS, 'openid.mode': 'checkid_setup', 'openid.claimed_id': 'https://elsewhere.example/id', 'openid.identity': 'https://elsewhere.example/id', 'openid.realm': 'https://rp.example/', 'openid.return_to': 'https://rp.example/return' })}`,
      headers: HTTPS,
    });
    expect(res.statusCode).toBe(302);
    const location = new URL(String(res.headers.location));
    expect(location.origin).toBe('https://rp.example');
    expect(location.searchParams.get('openid.mode')).toBe('error');
  });
});
