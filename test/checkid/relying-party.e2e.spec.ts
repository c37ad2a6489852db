import { createDiffieHellman, createHash, createHmac } from 'node:crypto';
import openid from 'openid';
import { ReturnToVerifier } from '../../src/realm/return-to-verifier.js';
import { YadisDiscovery } from '../../src/realm/yadis.js';
import { UsersService } from '../../src/users/users.service.js';
import { Browser, LOOPBACK_RP_REALM, publishReturnTo, startProvider, startRelyingPartySite, type BrowserResponse, type LiveProvider, type RelyingPartySite } from '../helpers/live.js';
import { authenticate, verify, type RelyingParty } from '../helpers/rp.js';
import { uniqueName } from '../helpers/test-app.js';

// End to end with a real relying party library (npm `openid`) over real HTTPS: discovery,
// association, checkid_setup through login and consent, checkid_immediate, stateless mode with
// check_authentication, OpenID 1.1, and the attacks an RP must not fall for.


const PASSWORD = 'wherefore art thou';
const IDENTIFIER_SELECT = 'http://specs.openid.net/auth/2.0/identifier_select';

describe('OpenID 2.0 with a real relying party over HTTPS', () => {
  let op: LiveProvider;
  let site: RelyingPartySite;
  let username: string;

  beforeAll(async () => {
    // The RP publishes its return_to (OpenID 2.0 §13) and the provider may discover it on
    // 127.0.0.1: "always allow" answers by itself only for a return_to so vouched for (§9.2.1).
    op = await startProvider({ realm: LOOPBACK_RP_REALM });
    site = await startRelyingPartySite();
    publishReturnTo(site);
    username = uniqueName('romeo');
    await op.app.get(UsersService).create({ domain: 'localhost', username, password: PASSWORD });
  });
  afterAll(async () => {
    await site.close();
    await op.close();
  });

  function rp(stateless = false): RelyingParty {
    return new openid.RelyingParty(`${site.origin}/verify?session=abc`, `${site.origin}/`, stateless, false, []);
  }

  async function signIn(browser: Browser, startUrl: string, decision: 'allow_once' | 'allow_always' | 'deny' | null = 'allow_once'): Promise<BrowserResponse> {
    let page = await browser.follow(startUrl, op.base);
    if (page.status === 200 && page.body.includes('name="password"')) {
      page = await browser.follow('', op.base, await browser.submit(page, { username, password: PASSWORD }));
    }
    if (decision && page.status === 200 && page.body.includes('name="decision"')) {
      page = await browser.follow('', op.base, await browser.submit(page, { decision }));
    }
    return page;
  }

  /** A checkid_setup URL for `username` (or identifier_select), with overrides. */
  function checkidUrl(overrides: Record<string, string> = {}, identity = op.identifier(username)): string {
    const q = new URLSearchParams({
      'openid.ns': 'http://specs.openid.net/auth/2.0',
      'openid.mode': 'checkid_setup',
      'openid.claimed_id': identity,
      'openid.identity': identity,
      'openid.return_to': `${site.origin}/verify?session=abc`,
      'openid.realm': `${site.origin}/`,
      ...overrides,
    });
    return `${op.endpoint}?${q}`;
  }

  function returnUrl(res: BrowserResponse): string {
    expect([302, 303]).toContain(res.status);
    const location = String(res.headers.location);
    expect(location.startsWith(`${site.origin}/verify?session=abc&`)).toBe(true);
    return location;
  }

  it('signs in with a smart-mode RP (association) through login and consent', async () => {
    const relyingParty = rp();
    const url = await authenticate(relyingParty, op.identifier(username));
    expect(new URL(url).searchParams.get('openid.assoc_handle')).toMatch(/^\d+\.S\./);
    const browser = new Browser();
    const login = await browser.follow(url, op.base);
    expect(login.status).toBe(200);
    expect(login.body).toContain('name="username"');
    expect(login.body).toContain(`value="${username}"`);
    const res = await signIn(browser, url);
    const back = returnUrl(res);
    const params = new URL(back).searchParams;
    expect(params.get('openid.mode')).toBe('id_res');
    expect(params.get('openid.op_endpoint')).toBe(op.endpoint);
    expect(params.get('openid.claimed_id')).toBe(op.identifier(username));
    expect(params.get('openid.invalidate_handle')).toBeNull();
    expect(params.get('openid.signed')!.split(',')).toEqual(expect.arrayContaining(['op_endpoint', 'claimed_id', 'identity', 'return_to', 'response_nonce', 'assoc_handle']));
    expect(await verify(relyingParty, back)).toEqual({ error: undefined, result: { authenticated: true, claimedIdentifier: op.identifier(username) } });
  });

  it('signs in with a stateless RP (check_authentication), and a replay is refused', async () => {
    const relyingParty = rp(true);
    const url = await authenticate(relyingParty, op.identifier(username));
    const back = returnUrl(await signIn(new Browser(), url));
    expect(new URL(back).searchParams.get('openid.assoc_handle')).toMatch(/^\d+\.P2\./);
    expect((await verify(relyingParty, back)).result?.authenticated).toBe(true);
    // The same assertion sent to check_authentication again (by another RP instance, say).
    const replay = await directPost(op, Object.fromEntries([...new URL(back).searchParams].map(([k, v]) => [k, k === 'openid.mode' ? 'check_authentication' : v])));
    expect(replay).toBe(`ns:http://specs.openid.net/auth/2.0\nis_valid:false\n`);
  });

  it('refuses tampered assertions', async () => {
    const relyingParty = rp(true);
    const back = returnUrl(await signIn(new Browser(), await authenticate(relyingParty, op.identifier(username))));
    const check = (mutate: (p: URLSearchParams) => void): Promise<string> => {
      const p = new URLSearchParams(new URL(back).search);
      p.set('openid.mode', 'check_authentication');
      mutate(p);
      return directPost(op, Object.fromEntries(p));
    };
    expect(await check((p) => p.set('openid.return_to', `${site.origin}/evil`))).toContain('is_valid:false');
    expect(await check((p) => p.set('openid.claimed_id', op.identifier('juliet')))).toContain('is_valid:false');
    expect(await check((p) => p.set('openid.sig', Buffer.alloc(32).toString('base64')))).toContain('is_valid:false');
    expect(await check((p) => p.set('openid.signed', 'op_endpoint,return_to'))).toContain('is_valid:false');
    // ...and the untouched one is still good (a failed check does not burn it).
    expect(await check(() => undefined)).toContain('is_valid:true');
  });

  it('answers deny with cancel', async () => {
    const relyingParty = rp();
    const back = returnUrl(await signIn(new Browser(), await authenticate(relyingParty, op.identifier(username)), 'deny'));
    expect(new URL(back).searchParams.get('openid.mode')).toBe('cancel');
    expect((await verify(relyingParty, back)).error).toBe('Authentication cancelled');
  });

  it('answers checkid_immediate with setup_needed until the user allows always, then silently', async () => {
    const relyingParty = rp();
    const browser = new Browser();
    // Logged in, but no trust yet.
    returnUrl(await signIn(browser, await authenticate(relyingParty, op.identifier(username)), 'allow_once'));
    const before = await browser.request('GET', await authenticate(relyingParty, op.identifier(username), true));
    expect(new URL(returnUrl(before)).searchParams.get('openid.mode')).toBe('setup_needed');
    returnUrl(await signIn(browser, await authenticate(relyingParty, op.identifier(username)), 'allow_always'));
    const after = await browser.request('GET', await authenticate(relyingParty, op.identifier(username), true));
    const back = returnUrl(after);
    expect(new URL(back).searchParams.get('openid.mode')).toBe('id_res');
    expect((await verify(relyingParty, back)).result?.authenticated).toBe(true);
  });

  it('runs relying-party discovery in warn mode for the consent page and before a grant answers (§9.2.1), fetching once per realm', async () => {
    const juliet = uniqueName('juliet');
    await op.app.get(UsersService).create({ domain: 'localhost', username: juliet, password: PASSWORD });
    const relyingParty = rp();
    const browser = new Browser();
    op.app.get(ReturnToVerifier, { strict: false }).clearCache();
    const discover = vi.spyOn(op.app.get(ReturnToVerifier, { strict: false }), 'verify');
    const fetched = vi.spyOn(op.app.get(YadisDiscovery, { strict: false }), 'discoverReturnToUrls');
    try {
      let page = await browser.follow(await authenticate(relyingParty, op.identifier(juliet)), op.base);
      // The login page and the login itself do not discover; the consent page shows the verdict.
      expect(discover).not.toHaveBeenCalled();
      page = await browser.follow('', op.base, await browser.submit(page, { username: juliet, password: PASSWORD }));
      expect(page.body).toContain('name="decision"');
      expect(page.body).not.toContain('The site did not confirm the address');
      expect(discover).toHaveBeenCalledTimes(1);
      returnUrl(await browser.follow('', op.base, await browser.submit(page, { decision: 'allow_always' })));
      discover.mockClear();
      // Trusted now: the grant answers checkid_immediate once the return_to is vouched for, from
      // the per-realm cache (the RP's site is not fetched again).
      const back = returnUrl(await browser.request('GET', await authenticate(relyingParty, op.identifier(juliet), true)));
      expect(new URL(back).searchParams.get('openid.mode')).toBe('id_res');
      expect(discover).toHaveBeenCalledTimes(1);
      expect(fetched).toHaveBeenCalledTimes(1);
    } finally {
      discover.mockRestore();
      fetched.mockRestore();
    }
  });

  it('lets the user choose the identifier (directed identity, OP identifier)', async () => {
    const relyingParty = rp();
    const url = await authenticate(relyingParty, op.endpoint);
    expect(new URL(url).searchParams.get('openid.claimed_id')).toBe('http://specs.openid.net/auth/2.0/identifier_select');
    const back = returnUrl(await signIn(new Browser(), url));
    expect(new URL(back).searchParams.get('openid.claimed_id')).toBe(op.identifier(username));
    expect((await verify(relyingParty, back)).result).toEqual({ authenticated: true, claimedIdentifier: op.identifier(username) });
  });

  it('shows the realm on the consent page, flagging http and an unverified return_to', async () => {
    const other = uniqueName('benvolio');
    await op.app.get(UsersService).create({ domain: 'localhost', username: other, password: PASSWORD });
    const browser = new Browser();
    let page = await browser.follow(checkidUrl({ 'openid.return_to': `${site.origin}/not-published` }, op.identifier(other)), op.base);
    page = await browser.follow('', op.base, await browser.submit(page, { username: other, password: PASSWORD }));
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<p class="realm">${site.origin}/</p>`);
    expect(page.body).toContain('This site does not use HTTPS');
    // The RP's discovery lists /verify only (publishReturnTo): warn mode says this one is not.
    expect(page.body).toContain('The site did not confirm the address');
    for (const value of ['allow_once', 'allow_always', 'deny']) expect(page.body).toContain(`name="decision" value="${value}"`);
    expect(page.headers['content-security-policy']).toContain(`form-action 'self' ${site.origin}`);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
  });

  it('POSTs a response longer than 2,047 bytes with an auto-submitting form (§5.2.2)', async () => {
    const longReturnTo = `${site.origin}/verify?state=${'x'.repeat(1800)}`;
    const page = await signIn(new Browser(), checkidUrl({ 'openid.return_to': longReturnTo }));
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<form id="openid-response" method="post" action="${longReturnTo}">`);
    expect(page.body).toContain('<input type="hidden" name="openid.mode" value="id_res">');
    expect(page.body).toContain('<script src="/assets/autosubmit.js" defer></script>');
    expect(page.body).toContain('<button type="submit">Continue</button>');
  });

  it('shows an error page, never a redirect, when return_to is outside the realm', async () => {
    const res = await new Browser().request('GET', checkidUrl({ 'openid.return_to': 'https://attacker.example/steal' }));
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('The return_to URL is outside the realm');
  });

  // Issue 8, 5d: a host with a trailing dot is another origin for the browser (WHATWG URL), so
  // another relying party; §9.2 matching must not let one stand for the other, either way.
  it.each([
    ['the realm', true],
    ['the return_to', false],
  ])('refuses a trailing-dot host on %s only, with an error page and no redirect', async (_which, dotOnRealm) => {
    // A DNS name (an IPv4 address with a trailing dot is the same address to WHATWG URL).
    const { port } = new URL(site.origin);
    const plain = `http://localhost:${port}`;
    const dotted = `http://localhost.:${port}`;
    const realm = `${dotOnRealm ? dotted : plain}/`;
    const returnTo = `${dotOnRealm ? plain : dotted}/verify?session=abc`;
    const authUrl = await authenticate(new openid.RelyingParty(returnTo, realm, true, false, []), op.identifier(username));
    expect(new URL(authUrl).searchParams.get('openid.realm')).toBe(realm);
    const res = await new Browser().request('GET', authUrl);
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toContain('The return_to URL is outside the realm');
  });

  describe('OpenID 1.1, through a delegating page on the RP site', () => {
    const path = '/romeo-delegates';
    beforeAll(() => {
      site.routes.set(path, (_req, res) => {
        // OpenID 2.0 §14.2.1 (1.1 HTML discovery): openid.server and openid.delegate only.
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><head>\n<link rel="openid.server" href="${op.endpoint}">\n<link rel="openid.delegate" href="${op.identifier(username)}">\n</head><body></body></html>`);
      });
    });

    it('signs in without openid.ns, op_endpoint, claimed_id or response_nonce', async () => {
      const relyingParty = rp();
      const url = await authenticate(relyingParty, `${site.origin}${path}`);
      const request = new URL(url).searchParams;
      expect(request.get('openid.ns')).toBeNull();
      expect(request.get('openid.trust_root')).toBe(`${site.origin}/`);
      const back = returnUrl(await signIn(new Browser(), url));
      const params = new URL(back).searchParams;
      expect(params.get('openid.error')).toBeNull();
      expect(params.get('openid.mode')).toBe('id_res');
      expect(params.get('openid.identity')).toBe(op.identifier(username));
      for (const absent of ['openid.ns', 'openid.op_endpoint', 'openid.claimed_id', 'openid.response_nonce']) expect(params.get(absent), absent).toBeNull();
      expect((await verify(relyingParty, back)).result).toEqual({ authenticated: true, claimedIdentifier: `${site.origin}${path}` });
    });

    it('answers checkid_immediate with user_setup_url (§14.2.2)', async () => {
      const relyingParty = rp(true);
      const url = await authenticate(relyingParty, `${site.origin}${path}`, true);
      const params = new URL(returnUrl(await new Browser().request('GET', url))).searchParams;
      expect(params.get('openid.mode')).toBe('id_res');
      const setup = new URL(params.get('openid.user_setup_url')!);
      expect(setup.origin + setup.pathname).toBe(op.endpoint);
      expect(setup.searchParams.get('openid.mode')).toBe('checkid_setup');
      expect(setup.searchParams.get('openid.identity')).toBe(op.identifier(username));
    });

    it('verifies a stateless 1.1 assertion once (the private association is single-use)', async () => {
      const relyingParty = rp(true);
      const back = returnUrl(await signIn(new Browser(), await authenticate(relyingParty, `${site.origin}${path}`)));
      const asked = Object.fromEntries([...new URL(back).searchParams].map(([k, v]) => [k, k === 'openid.mode' ? 'check_authentication' : v]));
      expect(await directPost(op, asked)).toBe('is_valid:true\n');
      expect(await directPost(op, asked)).toBe('is_valid:false\n');
    });
  });

  it('signs with a private association and invalidates an unknown handle (§10.1, §11.4.2.2)', async () => {
    const params = new URL(returnUrl(await signIn(new Browser(), checkidUrl({ 'openid.assoc_handle': 'forgotten-handle' })))).searchParams;
    expect(params.get('openid.invalidate_handle')).toBe('forgotten-handle');
    expect(params.get('openid.assoc_handle')).toMatch(/^\d+\.P2\./);
    expect(params.get('openid.signed')!.split(',')).toContain('invalidate_handle');
    const asked = Object.fromEntries([...params].map(([k, v]) => [k, k === 'openid.mode' ? 'check_authentication' : v]));
    expect(await directPost(op, asked)).toBe('ns:http://specs.openid.net/auth/2.0\nis_valid:true\ninvalidate_handle:forgotten-handle\n');
  });

  it('refuses an over-broad realm with an error page', async () => {
    const url = checkidUrl({ 'openid.return_to': 'https://www.example.co.uk/back', 'openid.realm': 'https://*.co.uk/' }, IDENTIFIER_SELECT);
    const res = await new Browser().request('GET', url);
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toContain('OpenID request refused');
  });

  it('sends a protocol error to a verified return_to as openid.mode=error (§5.2.3)', async () => {
    const res = await new Browser().request('GET', checkidUrl({}, 'https://elsewhere.example/me'));
    const params = new URL(returnUrl(res)).searchParams;
    expect(params.get('openid.mode')).toBe('error');
    expect(params.get('openid.error')).toBe('This provider does not answer for that identifier');
    expect(params.get('session')).toBe('abc');
  });

  // Issue 8, 5e (OpenID 2.0 §9.1, §11.2): an RP that skips discovery-based verification would
  // believe whatever claimed_id we sign; in our own namespace it must name the same account.
  it('refuses a claimed_id of ours that names another account than identity, before any page', async () => {
    const other = uniqueName('mallory');
    for (const claimedId of [op.identifier(other), op.endpoint, `${op.base}/somewhere`]) {
      const res = await new Browser().request('GET', checkidUrl({ 'openid.claimed_id': claimedId }));
      const params = new URL(returnUrl(res)).searchParams;
      expect(params.get('openid.mode')).toBe('error');
      expect(params.get('openid.error')).toBe('openid.claimed_id and openid.identity name different accounts');
    }
  });

  it('still signs a claimed_id of ours that names the same account in another spelling, and a delegation', async () => {
    const upper = op.identifier(username).replace(`/openid/${username}`, `/openid/${username.toUpperCase()}`);
    for (const claimedId of [upper, `${site.origin}/romeo-elsewhere`]) {
      const browser = new Browser();
      const params = new URL(returnUrl(await signIn(browser, checkidUrl({ 'openid.claimed_id': claimedId })))).searchParams;
      expect(params.get('openid.mode')).toBe('id_res');
      expect(params.get('openid.claimed_id')).toBe(claimedId);
      expect(params.get('openid.identity')).toBe(op.identifier(username));
    }
  });

  it('negotiates association types: unsupported-type names a pair to retry with', async () => {
    const body = await directPost(op, { 'openid.ns': 'http://specs.openid.net/auth/2.0', 'openid.mode': 'associate', 'openid.assoc_type': 'HMAC-MD5', 'openid.session_type': 'DH-SHA1' }, 400);
    expect(body).toBe('ns:http://specs.openid.net/auth/2.0\nerror:Unsupported association type\nerror_code:unsupported-type\nassoc_type:HMAC-SHA256\nsession_type:DH-SHA256\n');
  });

  for (const [assocType, sessionType, hash, keyLength] of [
    ['HMAC-SHA1', 'DH-SHA1', 'sha1', 20],
    ['HMAC-SHA256', 'DH-SHA256', 'sha256', 32],
  ] as const) {
    it(`associates with ${assocType}/${sessionType} and signs the assertion with the shared key`, async () => {
      // The RP side of Diffie-Hellman, done here with node:crypto (independent of the OP's code).
      const dh = createDiffieHellman(DEFAULT_MODULUS_HEX, 'hex', Buffer.from([2]));
      dh.generateKeys();
      const body = await directPost(op, {
        'openid.ns': 'http://specs.openid.net/auth/2.0',
        'openid.mode': 'associate',
        'openid.assoc_type': assocType,
        'openid.session_type': sessionType,
        'openid.dh_consumer_public': btwoc(dh.getPublicKey()).toString('base64'),
      });
      const kv = parseKv(body);
      expect(kv).toMatchObject({ assoc_type: assocType, session_type: sessionType });
      expect(kv['mac_key']).toBeUndefined();
      const shared = btwoc(dh.computeSecret(Buffer.from(kv['dh_server_public']!, 'base64')));
      const digest = createHash(hash).update(shared).digest();
      const macKey = Buffer.from(kv['enc_mac_key']!, 'base64').map((b, i) => b ^ digest[i]!);
      expect(macKey).toHaveLength(keyLength);

      const params = new URL(returnUrl(await signIn(new Browser(), checkidUrl({ 'openid.assoc_handle': kv['assoc_handle']! })))).searchParams;
      expect(params.get('openid.assoc_handle')).toBe(kv['assoc_handle']);
      // OpenID 2.0 §6.1: HMAC over the key-value form of the signed fields, in the listed order.
      const signed = params.get('openid.signed')!.split(',');
      const message = signed.map((k) => `${k}:${params.get(`openid.${k}`)}\n`).join('');
      expect(params.get('openid.sig')).toBe(createHmac(hash, macKey).update(message).digest('base64'));
      // A shared handle is the RP's to verify: check_authentication says no (§11.4.2.1).
      const asked = Object.fromEntries([...params].map(([k, v]) => [k, k === 'openid.mode' ? 'check_authentication' : v]));
      expect(await directPost(op, asked)).toBe('ns:http://specs.openid.net/auth/2.0\nis_valid:false\n');
    });
  }

  it('associates with no-encryption over TLS and signs with that key', async () => {
    const body = await directPost(op, { 'openid.ns': 'http://specs.openid.net/auth/2.0', 'openid.mode': 'associate', 'openid.assoc_type': 'HMAC-SHA256', 'openid.session_type': 'no-encryption' });
    const kv = Object.fromEntries(body.trimEnd().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
    expect(kv).toMatchObject({ ns: 'http://specs.openid.net/auth/2.0', assoc_type: 'HMAC-SHA256', session_type: 'no-encryption', expires_in: String(14 * 86400) });
    expect(Buffer.from(kv['mac_key']!, 'base64')).toHaveLength(32);
  });
});

const DEFAULT_MODULUS_HEX =
  'DCF93A0B883972EC0E19989AC5A2CE310E1D37717E8D9571BB7623731866E61EF75A2E27898B057F9891C2E27A639C3F29B60814581CD3B2CA3986D2683705577D45C2E7E52DC81C7A171876E5CEA74B1448BFDFAF18828EFD2519F14E45E3826634AF1949E5B535CC829A483B8A76223E5D490A257F05BDFF16F2FB22C583AB';

/** OpenID 2.0 §4.2: shortest two's-complement big-endian form of a non-negative integer. */
function btwoc(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.subarray(i);
  return trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
}

function parseKv(body: string): Record<string, string> {
  return Object.fromEntries(body.trimEnd().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
}

describe('relying-party discovery in require mode', () => {
  it('refuses a realm whose discovery the SSRF guard blocks, with a page and no redirect', async () => {
    const op = await startProvider({ realm: { return_to_verification: 'require' } });
    const site = await startRelyingPartySite();
    try {
      const q = new URLSearchParams({
        'openid.ns': 'http://specs.openid.net/auth/2.0',
        'openid.mode': 'checkid_setup',
        'openid.claimed_id': 'http://specs.openid.net/auth/2.0/identifier_select',
        'openid.identity': 'http://specs.openid.net/auth/2.0/identifier_select',
        'openid.return_to': `${site.origin}/verify`,
        'openid.realm': `${site.origin}/`,
      });
      const res = await new Browser().request('GET', `${op.endpoint}?${q}`);
      expect(res.status).toBe(400);
      expect(res.headers.location).toBeUndefined();
      expect(res.body).toContain('The site did not confirm this return address');
    } finally {
      await site.close();
      await op.close();
    }
  });
});

async function directPost(op: LiveProvider, form: Record<string, string>, expectedStatus = 200): Promise<string> {
  const res = await new Browser().request('POST', op.endpoint, form, { accept: '*/*' });
  expect(res.status).toBe(expectedStatus);
  expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
  return res.body;
}
