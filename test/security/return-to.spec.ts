import { UsersService } from '../../src/users/users.service.js';
import { ReturnToVerifier } from '../../src/realm/return-to-verifier.js';
import { Browser, LOOPBACK_RP_REALM, publishReturnTo, startProvider, startRelyingPartySite, type BrowserResponse, type LiveProvider, type RelyingPartySite } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';

// An unverified return_to is never answered without the person (OpenID 2.0 §9.2.1: the OP
// SHOULD verify that the return_to is an RP endpoint, by the RP discovery of §13). A trust grant
// ("Always allow") covers the relying party, and only its discovery says which addresses are the
// RP's own: an attacker who controls a path or a subdomain-less page under a trusted realm (an open
// redirector on the RP, a user-content path) must not receive assertions silently. Issue 11 found
// that "Always allow" auto-approved such a return_to; this suite proves it no longer does, in
// checkid_setup (consent page, with a warning) and checkid_immediate (setup_needed, §10.2, never
// id_res).

const NS = 'http://specs.openid.net/auth/2.0';
const PASSWORD = 'wherefore art thou';
const WARNING = 'The site did not confirm the address it asked us to send you back to.';

describe('unverified return_to and "Always allow" (OpenID 2.0 §9.2.1, §13)', () => {
  let op: LiveProvider;
  let site: RelyingPartySite;
  /** The provider whose discovery may reach the loopback RPs (each test has its own RP, so its own realm). */
  let shared: LiveProvider;

  beforeAll(async () => {
    shared = await startProvider({ realm: LOOPBACK_RP_REALM });
  });
  afterAll(() => shared?.close());
  afterEach(async () => {
    await site?.close();
    if (op !== shared) await op?.close();
  });

  async function newUser(): Promise<string> {
    const name = uniqueName('romeo');
    await op.app.get(UsersService).create({ domain: 'localhost', username: name, password: PASSWORD });
    return name;
  }

  function checkidUrl(name: string, returnTo: string, mode = 'checkid_setup'): string {
    const identity = op.identifier(name);
    return `${op.endpoint}?${new URLSearchParams({ 'openid.ns': NS, 'openid.mode': mode, 'openid.claimed_id': identity, 'openid.identity': identity, 'openid.realm': `${site.origin}/`, 'openid.return_to': returnTo })}`;
  }

  /** Signs in if asked; answers the page where the provider stops (consent) or the redirect back. */
  async function visit(browser: Browser, url: string, name: string): Promise<BrowserResponse> {
    let page = await browser.follow(url, op.base);
    if (page.status === 200 && page.body.includes('name="password"')) page = await browser.follow('', op.base, await browser.submit(page, { username: name, password: PASSWORD }));
    return page;
  }

  function modeOf(res: BrowserResponse, returnTo: string): string | null {
    expect([302, 303]).toContain(res.status);
    const location = String(res.headers.location);
    expect(location.startsWith(returnTo)).toBe(true);
    return new URL(location).searchParams.get('openid.mode');
  }

  async function alwaysAllow(browser: Browser, name: string, returnTo: string): Promise<void> {
    const consent = await visit(browser, checkidUrl(name, returnTo), name);
    expect(consent.body).toContain('name="decision"');
    expect(modeOf(await browser.submit(consent, { decision: 'allow_always' }), returnTo)).toBe('id_res');
  }

  it('a return_to the RP does not list: consent page with a warning and setup_needed, while the listed one is answered silently', async () => {
    op = shared;
    site = await startRelyingPartySite();
    publishReturnTo(site, [`${site.origin}/verify`]);
    const name = await newUser();
    const browser = new Browser();
    const listed = `${site.origin}/verify`;
    const unlisted = `${site.origin}/redirector?to=https://evil.example/`;
    await alwaysAllow(browser, name, listed);
    // Control: the grant answers the verified return_to by itself, in both modes.
    expect(modeOf(await visit(browser, checkidUrl(name, listed), name), listed)).toBe('id_res');
    expect(modeOf(await browser.request('GET', checkidUrl(name, listed, 'checkid_immediate')), listed)).toBe('id_res');
    // The same realm, a return_to its discovery does not list.
    const page = await visit(browser, checkidUrl(name, unlisted), name);
    expect(page.status).toBe(200);
    expect(page.body).toContain('name="decision"');
    expect(page.body).toContain(WARNING);
    expect(modeOf(await browser.request('GET', checkidUrl(name, unlisted, 'checkid_immediate')), unlisted)).toBe('setup_needed');
    // The person may still decide: "Allow once" answers that return_to.
    expect(modeOf(await browser.submit(page, { decision: 'allow_once' }), unlisted)).toBe('id_res');
  });

  it.each([
    ['answers 500', (res: import('node:http').ServerResponse) => res.writeHead(500).end()],
    ['answers HTML without an XRDS location', (res: import('node:http').ServerResponse) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><head></head></html>')],
    ['answers an XRDS without return_to services', (res: import('node:http').ServerResponse) => res.writeHead(200, { 'content-type': 'application/xrds+xml' }).end('<?xml version="1.0"?><xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD></XRD></xrds:XRDS>')],
    ['answers malformed XML', (res: import('node:http').ServerResponse) => res.writeHead(200, { 'content-type': 'application/xrds+xml' }).end('<xrds:XRDS')],
  ])('discovery that fails (the RP %s): setup_needed in immediate mode, the consent page in setup mode', async (_name, handler) => {
    op = shared;
    site = await startRelyingPartySite();
    const name = await newUser();
    const browser = new Browser();
    const returnTo = `${site.origin}/verify`;
    // Trusted while the RP's discovery vouched for the return_to...
    publishReturnTo(site);
    await alwaysAllow(browser, name, returnTo);
    expect(modeOf(await browser.request('GET', checkidUrl(name, returnTo, 'checkid_immediate')), returnTo)).toBe('id_res');
    // ...then the RP's discovery stops vouching (the cached verdict forgotten, as after cache_ttl).
    site.routes.set('/', (_req, res) => handler(res));
    op.app.get(ReturnToVerifier, { strict: false }).clearCache();
    expect(modeOf(await browser.request('GET', checkidUrl(name, returnTo, 'checkid_immediate')), returnTo)).toBe('setup_needed');
    const page = await visit(browser, checkidUrl(name, returnTo), name);
    expect(page.status).toBe(200);
    expect(page.body).toContain(WARNING);
  });
});

// Apart: each of these boots its own provider, after the shared one above has stopped (two
// embedded databases open and closing in one process trip PGlite).
describe('unverified return_to with other discovery settings (OpenID 2.0 §9.2.1)', () => {
  let op: LiveProvider;
  let site: RelyingPartySite;

  afterEach(async () => {
    await site?.close();
    await op?.close();
  });

  async function newUser(): Promise<string> {
    const name = uniqueName('romeo');
    await op.app.get(UsersService).create({ domain: 'localhost', username: name, password: PASSWORD });
    return name;
  }

  function checkidUrl(name: string, returnTo: string, mode = 'checkid_setup'): string {
    const identity = op.identifier(name);
    return `${op.endpoint}?${new URLSearchParams({ 'openid.ns': NS, 'openid.mode': mode, 'openid.claimed_id': identity, 'openid.identity': identity, 'openid.realm': `${site.origin}/`, 'openid.return_to': returnTo })}`;
  }

  /** Signs in if asked; answers the page where the provider stops (consent) or the redirect back. */
  async function visit(browser: Browser, url: string, name: string): Promise<BrowserResponse> {
    let page = await browser.follow(url, op.base);
    if (page.status === 200 && page.body.includes('name="password"')) page = await browser.follow('', op.base, await browser.submit(page, { username: name, password: PASSWORD }));
    return page;
  }

  function modeOf(res: BrowserResponse, returnTo: string): string | null {
    expect([302, 303]).toContain(res.status);
    const location = String(res.headers.location);
    expect(location.startsWith(returnTo)).toBe(true);
    return new URL(location).searchParams.get('openid.mode');
  }

  async function alwaysAllow(browser: Browser, name: string, returnTo: string): Promise<void> {
    const consent = await visit(browser, checkidUrl(name, returnTo), name);
    expect(consent.body).toContain('name="decision"');
    expect(modeOf(await browser.submit(consent, { decision: 'allow_always' }), returnTo)).toBe('id_res');
  }

  it('discovery blocked by the SSRF guard (a loopback RP, the default settings): "Always allow" never auto-approves', async () => {
    op = await startProvider();
    site = await startRelyingPartySite();
    publishReturnTo(site);
    const name = await newUser();
    const browser = new Browser();
    const returnTo = `${site.origin}/verify`;
    await alwaysAllow(browser, name, returnTo);
    for (let i = 0; i < 2; i++) {
      const page = await visit(browser, checkidUrl(name, returnTo), name);
      expect(page.status).toBe(200);
      expect(page.body).toContain(WARNING);
      expect(modeOf(await browser.request('GET', checkidUrl(name, returnTo, 'checkid_immediate')), returnTo)).toBe('setup_needed');
    }
  });

  it('require mode refuses the unverified return_to outright, on a page, never a redirect', async () => {
    op = await startProvider({ realm: { ...LOOPBACK_RP_REALM, return_to_verification: 'require' } });
    site = await startRelyingPartySite();
    publishReturnTo(site, [`${site.origin}/verify`]);
    const name = await newUser();
    for (const mode of ['checkid_setup', 'checkid_immediate']) {
      const res = await new Browser().request('GET', checkidUrl(name, `${site.origin}/elsewhere`, mode));
      expect(res.status).toBe(400);
      expect(res.headers.location).toBeUndefined();
      expect(res.body).toContain('The site did not confirm this return address');
    }
  });
});
