import openid from 'openid';
import { Domains } from '../../src/config/domains.js';
import { pairwiseSubject } from '../../src/protocol/pairwise.js';
import { KeyRing } from '../../src/secrets/key-ring.js';
import { pairwiseKey } from '../../src/secrets/pairwise-key.js';
import { UsersService } from '../../src/users/users.service.js';
import { BotCommandRunner } from '../../src/xmpp/bot/bot-command-runner.js';
import { Browser, LOOPBACK_RP_REALM, publishReturnTo, startProvider, startRelyingPartySite, type BrowserResponse, type LiveProvider, type RelyingPartySite } from '../helpers/live.js';
import { authenticate, verify, type RelyingParty } from '../helpers/rp.js';
import { uniqueName } from '../helpers/test-app.js';

// Private (pairwise) identifiers {base}/openid/p/{opaque} (issue 13 point 4, DESIGN.md "Second
// factors, private identifiers, languages"), end to end with the npm `openid` relying party over
// HTTPS: it discovers the claimed identifier it receives (OpenID 2.0 §11.2), so every accepted
// assertion here also proves that the private identifier is discoverable.

const PASSWORD = 'my only love sprung from my only hate';
const IDENTIFIER_SELECT = 'http://specs.openid.net/auth/2.0/identifier_select';

describe('private identifiers with a real relying party', () => {
  let op: LiveProvider;
  let siteA: RelyingPartySite;
  let siteB: RelyingPartySite;
  let username: string;
  let userId: string;
  const privateUrl = () => new RegExp(`^${op.base.replace(/[.]/g, '\\.')}/openid/p/[A-Za-z0-9_-]{43}$`);

  beforeAll(async () => {
    // The RPs publish their return_to (OpenID 2.0 §13), so that "always allow" answers by itself.
    op = await startProvider({ realm: LOOPBACK_RP_REALM });
    siteA = await startRelyingPartySite();
    siteB = await startRelyingPartySite();
    publishReturnTo(siteA);
    publishReturnTo(siteB);
    username = uniqueName('benvolio');
    userId = (await op.app.get(UsersService).create({ domain: 'localhost', username, password: PASSWORD })).id;
  });
  afterAll(async () => {
    await siteA.close();
    await siteB.close();
    await op.close();
  });

  function rp(site: RelyingPartySite): RelyingParty {
    return new openid.RelyingParty(`${site.origin}/verify`, `${site.origin}/`, false, false, []);
  }

  /** Through login (when asked) and consent, with these consent fields. */
  async function signIn(browser: Browser, startUrl: string, consent: Record<string, string> | null): Promise<BrowserResponse> {
    let page = await browser.follow(startUrl, op.base);
    if (page.status === 200 && page.body.includes('name="password"')) page = await browser.follow('', op.base, await browser.submit(page, { username, password: PASSWORD }));
    if (consent && page.status === 200 && page.body.includes('name="decision"')) page = await browser.follow('', op.base, await browser.submit(page, consent));
    return page;
  }

  function back(res: BrowserResponse, site: RelyingPartySite): URLSearchParams {
    expect([302, 303], res.body.slice(0, 400)).toContain(res.status);
    const location = String(res.headers.location);
    expect(location.startsWith(`${site.origin}/verify?`)).toBe(true);
    return new URL(location).searchParams;
  }

  /** An identifier_select sign-in (the OP identifier) at `site` choosing the private identifier; answers it. */
  async function privateSignIn(site: RelyingPartySite, browser = new Browser(), decision = 'allow_once'): Promise<string> {
    const relyingParty = rp(site);
    const url = await authenticate(relyingParty, op.endpoint);
    expect(new URL(url).searchParams.get('openid.identity')).toBe(IDENTIFIER_SELECT);
    const res = await signIn(browser, url, { decision, identifier: 'private' });
    const params = back(res, site);
    expect(params.get('openid.mode')).toBe('id_res');
    const claimed = params.get('openid.claimed_id')!;
    expect(claimed).toMatch(privateUrl());
    expect(params.get('openid.identity')).toBe(claimed);
    expect(params.get('openid.signed')!.split(',')).toEqual(expect.arrayContaining(['claimed_id', 'identity']));
    // node-openid discovers the claimed identifier (§11.2): the private identifier's XRDS must
    // name our endpoint and the identifier itself as its OP-local identifier.
    expect(await verify(relyingParty, String(res.headers.location))).toEqual({ error: undefined, result: { authenticated: true, claimedIdentifier: claimed } });
    return claimed;
  }

  let ppidA: string;

  it('offers the private identifier on the consent page of identifier_select only, public by default', async () => {
    const browser = new Browser();
    const page = await signIn(browser, await authenticate(rp(siteA), op.endpoint), null);
    expect(page.status).toBe(200);
    expect(page.body).toContain('name="decision"');
    expect(page.body).toContain('<input type="radio" name="identifier" value="public" checked>');
    expect(page.body).toContain('<input type="radio" name="identifier" value="private">');
    // A client posting only `decision` gets the public identifier, as before.
    const params = back(await browser.follow('', op.base, await browser.submit(page, { decision: 'allow_once' })), siteA);
    expect(params.get('openid.claimed_id')).toBe(op.identifier(username));
    // A request for the person's own identifier offers no choice.
    const own = await signIn(browser, await authenticate(rp(siteA), op.identifier(username)), null);
    expect(own.body).toContain('name="decision"');
    expect(own.body).not.toContain('name="identifier"');
  });

  it('answers identifier_select with a private identifier the RP accepts, the same one again at the same realm', async () => {
    ppidA = await privateSignIn(siteA);
    expect(ppidA).not.toContain(username);
    expect(ppidA).not.toContain(userId);
    // The shared pairwise derivation, the normalised realm as its sector.
    const opaque = ppidA.slice(`${op.base}/openid/p/`.length);
    expect(opaque).toBe(pairwiseSubject(pairwiseKey(op.app.get(KeyRing)), `${siteA.origin}/`, userId));
    // Another browser, a new sign-in: the same identifier, and the page now presets it.
    const browser = new Browser();
    const page = await signIn(browser, await authenticate(rp(siteA), op.endpoint), null);
    expect(page.body).toContain('<input type="radio" name="identifier" value="private" checked>');
    expect(await privateSignIn(siteA, browser)).toBe(ppidA);
  });

  it('gives another realm another private identifier', async () => {
    const ppidB = await privateSignIn(siteB);
    expect(ppidB).not.toBe(ppidA);
  });

  it('remembers the choice with "always allow": checkid_immediate answers the same private identifier', async () => {
    const browser = new Browser();
    const ppidB = await privateSignIn(siteB, browser, 'allow_always');
    const relyingParty = rp(siteB);
    const res = await browser.request('GET', await authenticate(relyingParty, op.endpoint, true));
    const params = back(res, siteB);
    expect(params.get('openid.mode')).toBe('id_res');
    expect(params.get('openid.claimed_id')).toBe(ppidB);
    expect((await verify(relyingParty, String(res.headers.location))).result).toEqual({ authenticated: true, claimedIdentifier: ppidB });
    // The RP that stored it asks for it directly: answered by the grant as well.
    const direct = back(await browser.request('GET', await authenticate(relyingParty, ppidB, true)), siteB);
    expect(direct.get('openid.mode')).toBe('id_res');
    expect(direct.get('openid.claimed_id')).toBe(ppidB);
    // But that grant never confirms the person's own identifier to this site: asking "is this
    // <username>?" by checkid_immediate gets setup_needed, not a link between the two.
    const probe = back(await browser.request('GET', await authenticate(relyingParty, op.identifier(username), true)), siteB);
    expect(probe.get('openid.mode')).toBe('setup_needed');
  });

  it('serves XRDS and HTML discovery for the private identifier without naming the account', async () => {
    const browser = new Browser();
    const xrds = await browser.request('GET', ppidA, undefined, { accept: 'application/xrds+xml' });
    expect(xrds.status).toBe(200);
    expect(xrds.headers['content-type']).toBe('application/xrds+xml');
    expect(xrds.body).toContain(`<URI>${op.endpoint}</URI>`);
    expect(xrds.body).toContain(`<LocalID>${ppidA}</LocalID>`);
    expect(xrds.body).toContain(`<openid:Delegate>${ppidA}</openid:Delegate>`);
    const forced = await browser.request('GET', `${ppidA}?xrds`);
    expect(forced.headers['content-type']).toBe('application/xrds+xml');
    expect(forced.body).toBe(xrds.body);
    const html = await browser.request('GET', ppidA);
    expect(html.status).toBe(200);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.headers['x-xrds-location']).toBe(`${ppidA}?xrds`);
    for (const link of [`<link rel="openid2.provider" href="${op.endpoint}">`, `<link rel="openid2.local_id" href="${ppidA}">`, `<link rel="openid.server" href="${op.endpoint}">`, `<link rel="openid.delegate" href="${ppidA}">`]) {
      expect(html.body).toContain(link);
    }
    // Signed in as its owner too: the same public page, never the owner's.
    const owner = new Browser();
    await signIn(owner, await authenticate(rp(siteA), op.endpoint), { decision: 'allow_once', identifier: 'private' });
    const ownerView = await owner.request('GET', ppidA);
    for (const body of [xrds.body, html.body, ownerView.body]) {
      expect(body).not.toContain(username);
      expect(body).not.toContain(op.identifier(username));
      expect(body).not.toContain('vcard');
    }
    expect(ownerView.body).not.toContain('name="csrf"');
  });

  it('answers an unknown or malformed private identifier with the structured 404, never a 500', async () => {
    const browser = new Browser();
    const miss = await browser.request('GET', `${op.base}/no/such/route`, undefined, { accept: 'application/json' });
    expect(miss.status).toBe(404);
    const unknown = `A${'b'.repeat(42)}`;
    for (const path of [unknown, 'short', `${unknown}x`, '%00', `${'%00'.repeat(43)}`, 'é'.repeat(43), encodeURIComponent('é'.repeat(43)), '%E2%82', 'x'.repeat(5000), '..%2F..%2Fetc', `${unknown}/more`]) {
      for (const accept of ['application/json', 'application/xrds+xml', 'text/html']) {
        const res = await browser.request('GET', `${op.base}/openid/p/${path}`, undefined, { accept });
        expect([400, 404], `${path.slice(0, 40)} ${accept}: ${res.body.slice(0, 200)}`).toContain(res.status);
        if (accept === 'application/json') {
          expect(res.headers['content-type'], path.slice(0, 40)).toMatch(/^application\/problem\+json/);
          expect(JSON.parse(res.body), path.slice(0, 40)).toMatchObject({ status: res.status, code: expect.any(String) });
        }
      }
    }
    const res = await browser.request('GET', `${op.base}/openid/p/${unknown}`, undefined, { accept: 'application/json' });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body).code).toBe(JSON.parse(miss.body).code);
  });

  it('answers a private identifier asked for directly at its own realm, through discovery of it', async () => {
    const relyingParty = rp(siteA);
    const browser = new Browser();
    const url = await authenticate(relyingParty, ppidA);
    expect(new URL(url).searchParams.get('openid.claimed_id')).toBe(ppidA);
    expect(new URL(url).searchParams.get('openid.identity')).toBe(ppidA);
    const login = await browser.follow(url, op.base);
    // The login page names no account for it.
    expect(login.body).toContain('name="password"');
    expect(login.body).not.toContain(username);
    const page = await signIn(browser, url, null);
    expect(page.body).toContain(`<strong>${ppidA}</strong>`);
    expect(page.body).not.toContain('name="identifier"');
    const res = await browser.follow('', op.base, await browser.submit(page, { decision: 'allow_once' }));
    const params = back(res, siteA);
    expect(params.get('openid.claimed_id')).toBe(ppidA);
    expect((await verify(relyingParty, String(res.headers.location))).result).toEqual({ authenticated: true, claimedIdentifier: ppidA });
  });

  it('refuses a private identifier of realm A presented at realm B, as another account’s identifier', async () => {
    const browser = new Browser();
    // Signed in (a first sign-in at B), then B presents A's identifier.
    await privateSignIn(siteB, browser);
    const request = (mode: string) =>
      `${op.endpoint}?${new URLSearchParams({
        'openid.ns': 'http://specs.openid.net/auth/2.0',
        'openid.mode': mode,
        'openid.claimed_id': ppidA,
        'openid.identity': ppidA,
        'openid.return_to': `${siteB.origin}/verify`,
        'openid.realm': `${siteB.origin}/`,
      })}`;
    const immediate = back(await browser.request('GET', request('checkid_immediate')), siteB);
    expect(immediate.get('openid.mode')).toBe('setup_needed');
    const setup = await browser.follow(request('checkid_setup'), op.base);
    expect(setup.status).toBe(200);
    expect(setup.body).toContain('name="password"');
    expect(setup.body).not.toContain('name="decision"');
    // Signing in again does not make it ours at B: the login page again, no assertion.
    const again = await browser.follow('', op.base, await browser.submit(setup, { username, password: PASSWORD }));
    expect(again.status).toBe(200);
    expect(again.body).toContain('name="password"');
    // OpenID 1.1 (§14.2.1: trust_root, identity only) likewise.
    const v11 = (trustRoot: RelyingPartySite) =>
      `${op.endpoint}?${new URLSearchParams({ 'openid.mode': 'checkid_immediate', 'openid.identity': ppidA, 'openid.return_to': `${trustRoot.origin}/verify`, 'openid.trust_root': `${trustRoot.origin}/` })}`;
    const refused = back(await browser.request('GET', v11(siteB)), siteB);
    expect(refused.get('openid.mode')).toBe('id_res');
    expect(refused.get('openid.user_setup_url')).toBeTruthy();
    expect(refused.get('openid.identity')).toBeNull();
  });

  it('answers OpenID 1.1 requests for the private identifier at its realm', async () => {
    const browser = new Browser();
    const url = `${op.endpoint}?${new URLSearchParams({ 'openid.mode': 'checkid_setup', 'openid.identity': ppidA, 'openid.return_to': `${siteA.origin}/verify`, 'openid.trust_root': `${siteA.origin}/` })}`;
    const params = back(await signIn(browser, url, { decision: 'allow_once' }), siteA);
    expect(params.get('openid.mode')).toBe('id_res');
    expect(params.get('openid.identity')).toBe(ppidA);
    expect(params.get('openid.claimed_id')).toBeNull();
  });

  it('lists the sites with a private identifier on the owner’s identity page, never on the public one', async () => {
    const browser = new Browser();
    await signIn(browser, await authenticate(rp(siteA), op.endpoint), { decision: 'allow_once' });
    const owner = await browser.request('GET', op.identifier(username));
    expect(owner.status).toBe(200);
    expect(owner.body).toContain('Private identifiers');
    expect(owner.body).toContain(`<span class="realm">${siteA.origin}/</span>`);
    expect(owner.body).toContain(`<span class="realm">${siteB.origin}/</span>`);
    // Site B's "always allow" was given with the private identifier, and says so under Trusted sites.
    expect(owner.body).toContain('Knows you by a private identifier');
    const visitor = await new Browser().request('GET', op.identifier(username));
    expect(visitor.status).toBe(200);
    expect(visitor.body).not.toContain('Private identifiers');
    expect(visitor.body).not.toContain(siteA.origin);
    expect(visitor.body).not.toContain('/openid/p/');
    // The bot's `sites` lists them too (after the trusted sites).
    const sites = await op.app.get(BotCommandRunner).run(op.app.get(Domains).byName('localhost')!, username, { command: 'sites' });
    expect(sites).toContain('Sites that know you by a private identifier:');
    expect(sites).toContain(`- ${siteA.origin}/`);
    expect(sites).toContain(`- ${siteB.origin}/`);
  });

  it('refuses a consent form whose identifier is neither public nor private (structured 400)', async () => {
    const browser = new Browser();
    const page = await signIn(browser, await authenticate(rp(siteA), op.endpoint), null);
    for (const identifier of ['secret', 'private\u0000', 'p'.repeat(5000)]) {
      const res = await browser.submit(page, { decision: 'allow_once', identifier });
      expect(res.status, identifier.slice(0, 20)).toBe(400);
    }
  });
});
