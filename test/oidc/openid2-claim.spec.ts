import * as client from 'openid-client';
import { UsersService } from '../../src/users/users.service.js';
import { Browser, type BrowserResponse, startProvider, type LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';

// OpenID 2.0 to OpenID Connect Migration 1.0 through the real module: openid-client as the RP
// over HTTPS, our /login and consent pages. A verified openid2_realm gives the ID token
// `openid2_id`, the very identifier the OpenID 2.0 endpoint asserts for the account (§4); a realm
// that does not cover the redirect URI gives none and no error (§3, §4.1). The consent page lists
// the link before it is made (§9.1). DESIGN.md's contract: `openid2_realm` alone asks too.

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'http://127.0.0.1:9/oidc/callback';

describe('openid2_id in the ID token (OpenID 2.0 to OpenID Connect Migration 1.0)', () => {
  let op: LiveProvider;
  let config: client.Configuration;
  let username: string;

  beforeAll(async () => {
    op = await startProvider({
      oidc: { clients: [{ client_id: 'moving-site', client_name: 'A site moving to Connect', redirect_uris: [REDIRECT] }] },
      // The test RP lives on 127.0.0.1 over http: its old realm too.
      realm: { allow_http: true, allow_ip_hosts: true },
    });
    username = uniqueName('romeo');
    await op.app.get(UsersService).create({ domain: 'localhost', username, password: PASSWORD });
    config = await client.discovery(new URL(op.base), 'moving-site', undefined, client.None());
  });
  afterAll(async () => {
    await op?.close();
  });

  /** The whole flow in a fresh browser; answers the validated ID token's claims and what the consent page said. */
  async function signIn(params: Record<string, string>, consentFields: Record<string, string> = {}, browser = new Browser()): Promise<{ claims: Record<string, unknown>; consent: string }> {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, ...params });
    let page: BrowserResponse = await browser.follow(url.href, op.base);
    let consent = '';
    for (let i = 0; i < 5; i++) {
      if (page.status === 200 && page.body.includes('name="password"')) page = await browser.follow('', op.base, await browser.submit(page, { username, password: PASSWORD }));
      else if (page.status === 200 && page.body.includes('name="decision"')) {
        consent = page.body;
        page = await browser.follow('', op.base, await browser.submit(page, { decision: 'allow_once', ...consentFields }));
      } else break;
    }
    expect(page.status, page.body.slice(0, 300)).toBeGreaterThanOrEqual(300);
    const tokens = await client.authorizationCodeGrant(config, new URL(String(page.headers.location), page.url), { pkceCodeVerifier: verifier, expectedState: state });
    return { claims: tokens.claims() as Record<string, unknown>, consent };
  }

  const identifier = () => `${op.base}/openid/${username}`;

  it('scope openid2 with a realm that covers the redirect URI: openid2_id is the OpenID 2.0 claimed identifier, and the consent page asked', async () => {
    const { claims, consent } = await signIn({ scope: 'openid openid2', openid2_realm: 'http://127.0.0.1:9/' });
    expect(claims['openid2_id']).toBe(identifier());
    // Migration §9.1: the page shows the identifier and lets the person withhold it.
    expect(consent).toContain(`<code>${identifier()}</code>`);
    expect(consent).toMatch(/<input type="radio" name="openid2" value="link" checked>/);
    expect(consent).toContain('name="openid2" value="withhold"');
    // The identifier names this issuer (§6: the RP checks it with Accept: application/json).
    const answer = await new Browser().request('GET', identifier(), undefined, { accept: 'application/json' });
    expect(JSON.parse(answer.body)).toEqual({ iss: op.base });
    expect(claims['iss']).toBe(op.base);
  });

  it('the person may withhold the link (Migration §9.1): signed in without openid2_id, and "always allow" remembers the choice', async () => {
    // An account of its own: its "always allow" must not change what the other tests see.
    const others = username;
    username = uniqueName('rosaline');
    await op.app.get(UsersService).create({ domain: 'localhost', username, password: PASSWORD });
    onTestFinished(() => {
      username = others;
    });
    const withheld = await signIn({ scope: 'openid openid2', openid2_realm: 'http://127.0.0.1:9/' }, { openid2: 'withhold' });
    expect(withheld.claims['openid2_id']).toBeUndefined();
    expect(withheld.claims['sub']).toBeDefined();
    // "Always allow" with the link withheld: the next sign-in asks nothing and still links nothing.
    const browser = new Browser();
    const always = await signIn({ scope: 'openid openid2', openid2_realm: 'http://127.0.0.1:9/' }, { openid2: 'withhold', decision: 'allow_always' }, browser);
    expect(always.claims['openid2_id']).toBeUndefined();
    const again = await signIn({ scope: 'openid openid2', openid2_realm: 'http://127.0.0.1:9/' }, {}, browser);
    expect(again.consent).toBe('');
    expect(again.claims['openid2_id']).toBeUndefined();
  });

  it('refuses another value of the openid2 choice as input (400), never a 500', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', scope: 'openid openid2', openid2_realm: 'http://127.0.0.1:9/' });
    const browser = new Browser();
    const login = await browser.follow(url.href, op.base);
    const consent = await browser.follow('', op.base, await browser.submit(login, { username, password: PASSWORD }));
    expect(consent.body).toContain('name="openid2"');
    for (const bad of ['yes', 'link\u0000', 'ça']) {
      const answer = await browser.submit(consent, { decision: 'allow_once', openid2: bad });
      expect(answer.status, bad).toBe(400);
    }
  });

  it('openid2_realm alone (DESIGN.md) asks too', async () => {
    const { claims } = await signIn({ scope: 'openid', openid2_realm: 'http://127.0.0.1:9/oidc/' });
    expect(claims['openid2_id']).toBe(identifier());
  });

  it('no claim, and no error, for a realm that does not cover the redirect URI, an invalid realm, or no realm', async () => {
    for (const params of <Record<string, string>[]>[
      { scope: 'openid openid2', openid2_realm: 'http://127.0.0.1:9/elsewhere/' },
      { scope: 'openid openid2', openid2_realm: 'https://127.0.0.1:9/' },
      { scope: 'openid openid2', openid2_realm: 'http://127.0.0.1:9/#fragment' },
      { scope: 'openid openid2' },
      { scope: 'openid' },
    ]) {
      const { claims, consent } = await signIn(params);
      expect(claims['openid2_id'], JSON.stringify(params)).toBeUndefined();
      expect(claims['sub']).toBeTypeOf('string');
      expect(consent).not.toContain('name="openid2"');
    }
  }, 60_000);

  it('a NUL in openid2_realm is refused like any NUL parameter: invalid_request back to the RP, never a 500', async () => {
    await expect(signIn({ scope: 'openid openid2', openid2_realm: 'http://127.0.0.1:9/\u0000' })).rejects.toMatchObject({ error: 'invalid_request' });
  });
});
