import openid from 'openid';
import * as client from 'openid-client';
import { Browser, LOOPBACK_RP_REALM, publishReturnTo, startProvider, startRelyingPartySite, type BrowserResponse, type LiveProvider, type RelyingPartySite } from '../helpers/live.js';
import { authenticate, verify } from '../helpers/rp.js';
import { uniqueName } from '../helpers/test-app.js';
import { clientAddress } from '../xmpp/accounts-helpers.js';
import { startProsody, type Prosody } from '../xmpp/prosody.js';

// Issue 12's "Done when", in one story: a Prosody user (accounts: xmpp, the password checked by
// the XMPP server) signs in at an OpenID 2.0 RP (npm `openid`), then at an OpenID Connect RP
// (openid-client) of the same site with the same browser: one account, one session (no second
// password), one consent page, both sites on the identity page, and the Connect RP receives the
// OpenID 2.0 identifier it knew as `openid2_id` (OpenID 2.0 to OpenID Connect Migration 1.0 §4),
// which it verifies as §6 says.

const PASSWORD = 'by-any-other-name';

describe('one XMPP account, one session, both protocols', () => {
  let prosody: Prosody;
  let op: LiveProvider;
  let site: RelyingPartySite;
  let connect: client.Configuration;
  const romeo = { user: uniqueName('romeo'), password: PASSWORD };
  // One browser for the whole story (its own client address: throttle rows are per address).
  const browser = new Browser({ 'x-forwarded-for': clientAddress() });

  beforeAll(async () => {
    prosody = await startProsody({ accounts: [romeo] });
    site = await startRelyingPartySite();
    publishReturnTo(site);
    op = await startProvider(
      {
        server: { trusted_proxies: ['127.0.0.1'] },
        // The site lives on 127.0.0.1 over http: its realm, its discovery and its openid2_realm.
        realm: { ...LOOPBACK_RP_REALM, allow_http: true, allow_ip_hosts: true },
        oidc: { clients: [{ client_id: 'verona-site', client_name: 'Verona (moving to Connect)', redirect_uris: [`${site.origin}/oidc/callback`] }] },
      },
      { accounts: 'xmpp', xmpp: { server: prosody.c2s, ca_file: prosody.caFile, timeout: '5s' } },
    );
    connect = await client.discovery(new URL(op.base), 'verona-site', undefined, client.None());
  }, 60_000);

  afterAll(async () => {
    await site?.close();
    await op?.close();
    await prosody?.dispose();
  });

  const isLogin = (page: BrowserResponse) => page.status === 200 && page.body.includes('name="password"');
  const isConsent = (page: BrowserResponse) => page.status === 200 && page.body.includes('name="decision"');
  let claimedIdentifier: string;

  it('1. OpenID 2.0: the XMPP password on /login, "Always allow" on /consent, the npm openid RP verifies the assertion', async () => {
    const rp = new openid.RelyingParty(`${site.origin}/verify`, `${site.origin}/`, false, false, []);
    const login = await browser.follow(await authenticate(rp, op.identifier(romeo.user)), op.base);
    expect(isLogin(login)).toBe(true);
    const consent = await browser.follow('', op.base, await browser.submit(login, { username: romeo.user, password: PASSWORD }));
    expect(isConsent(consent)).toBe(true);
    const answer = await browser.submit(consent, { decision: 'allow_always' });
    const { result, error } = await verify(rp, String(answer.headers.location));
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ authenticated: true, claimedIdentifier: op.identifier(romeo.user) });
    claimedIdentifier = result!.claimedIdentifier!;
  });

  it('2. OpenID Connect, same browser: no second password, one consent page, openid2_id = the identifier of step 1 (Migration §4, §6)', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(connect, {
      redirect_uri: `${site.origin}/oidc/callback`,
      scope: 'openid openid2',
      // Migration §2: the realm its OpenID 2.0 requests carried.
      openid2_realm: `${site.origin}/`,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const consent = await browser.follow(url.href, op.base);
    // The session of step 1 signs this in: straight to the consent page, which names the application.
    expect(isLogin(consent)).toBe(false);
    expect(isConsent(consent)).toBe(true);
    expect(consent.body).toContain('Verona (moving to Connect)');
    expect(consent.body).toContain(`<code>${claimedIdentifier}</code>`);
    const answer = await browser.follow('', op.base, await browser.submit(consent, { decision: 'allow_always' }));
    const callback = new URL(String(answer.headers.location));
    expect(callback.origin + callback.pathname).toBe(`${site.origin}/oidc/callback`);
    const tokens = await client.authorizationCodeGrant(connect, callback, { pkceCodeVerifier: verifier, expectedState: state });
    const claims = tokens.claims()!;
    expect(claims['openid2_id']).toBe(claimedIdentifier);
    // The password was proved once, in step 1, against Prosody.
    expect(claims['amr']).toEqual(['pwd']);
    // Migration §6: the identifier names this issuer when asked for JSON.
    const issuer = await new Browser().request('GET', String(claims['openid2_id']), undefined, { accept: 'application/json' });
    expect(JSON.parse(issuer.body)).toEqual({ iss: claims.iss });
    expect(claims.iss).toBe(op.base);
  });

  it('3. the identity page lists both sites, the OpenID 2.0 realm and the Connect application', async () => {
    const page = await browser.follow(op.identifier(romeo.user), op.base);
    expect(page.status).toBe(200);
    const trusted = page.body.slice(page.body.indexOf('id="trusted"'));
    expect(trusted).toContain(`<span class="realm">${site.origin}/</span>`);
    expect(trusted).toContain('<span class="realm">verona-site (OpenID Connect)</span>');
  });
});
