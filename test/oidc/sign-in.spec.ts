import * as client from 'openid-client';
import { UsersService } from '../../src/users/users.service.js';
import { Browser, type BrowserResponse, startProvider, type LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';
import { testAddress } from '../security/browser.js';

// The authorization code flow with PKCE through our own pages (the /login form of OpenID 2.0,
// the consent page), with openid-client as the relying party over real HTTPS, which validates
// the ID token (signature, iss, aud, nonce, exp).

// A client address of this suite's own (through the trusted proxy 127.0.0.1): on the shared
// PostgreSQL database the per-address login throttle counts every suite's failed logins from 127.0.0.1.
const FROM = { 'x-forwarded-for': testAddress() };
const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'http://127.0.0.1:9/callback';

describe('OpenID Connect sign-in through our pages', () => {
  let op: LiveProvider;
  let config: client.Configuration;
  let username: string;
  let userId: string;

  beforeAll(async () => {
    op = await startProvider({ oidc: { clients: [{ client_id: 'spa', client_name: 'Single-page app', redirect_uris: [REDIRECT] }] }, server: { trusted_proxies: ['127.0.0.1'] } });
    username = uniqueName('juliet');
    userId = (await op.app.get(UsersService).create({ domain: 'localhost', username, password: PASSWORD })).id;
    config = await client.discovery(new URL(op.base), 'spa', undefined, client.None());
  });
  afterAll(async () => {
    await op?.close();
  });

  interface Started {
    url: string;
    verifier: string;
    state: string;
    nonce: string;
  }

  async function start(extra: Record<string, string> = {}): Promise<Started> {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    return { url: url.href, verifier, state, nonce };
  }

  const isLogin = (page: BrowserResponse) => page.status === 200 && page.body.includes('name="password"');
  const isConsent = (page: BrowserResponse) => page.status === 200 && page.body.includes('name="decision"');

  /** Follows the flow in `browser`: signs in when asked, decides when asked; answers the redirect to the RP. */
  async function drive(browser: Browser, url: string, decision: 'allow_once' | 'allow_always' | 'deny' = 'allow_once', seen: string[] = []): Promise<BrowserResponse> {
    let page = await browser.follow(url, op.base);
    for (let i = 0; i < 5; i++) {
      if (isLogin(page)) {
        seen.push('login');
        page = await browser.follow('', op.base, await browser.submit(page, { username, password: PASSWORD }));
      } else if (isConsent(page)) {
        seen.push('consent');
        page = await browser.follow('', op.base, await browser.submit(page, { decision }));
      } else break;
    }
    return page;
  }

  async function exchange(started: Started, answer: BrowserResponse) {
    expect(answer.status).toBeGreaterThanOrEqual(300);
    const location = new URL(String(answer.headers.location), answer.url);
    expect(location.origin + location.pathname).toBe(REDIRECT);
    return client.authorizationCodeGrant(config, location, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
  }

  it('signs in with the password on /login, consents, and gets an ID token openid-client validates', async () => {
    const browser = new Browser(FROM);
    const started = await start();
    const seen: string[] = [];
    const before = Math.floor(Date.now() / 1000);
    const tokens = await exchange(started, await drive(browser, started.url, 'allow_once', seen));
    expect(seen).toEqual(['login', 'consent']);
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(op.base);
    expect(claims.aud).toBe('spa');
    // The account's stable id, not its username (OpenID Connect Core 1.0 §2: never reassigned).
    expect(claims.sub).toBe(userId);
    expect(claims['amr']).toEqual(['pwd']);
    // No second factor: acr says so (the PAPE policy URI none), as PAPE's auth_policies does.
    expect(claims['acr']).toBe('http://schemas.openid.net/pape/policies/2007/06/none');
    expect(claims.auth_time).toBeGreaterThanOrEqual(before - 1);
    expect(tokens.refresh_token).toBeUndefined(); // no offline_access asked
  });

  it("prefixes oidc-provider's cookies as ours (RFC 6265bis §4.1.3): __Host- for the session, __Secure- for the path-scoped interaction ones", async () => {
    const browser = new Browser(FROM);
    const started = await start();
    const first = await browser.request('GET', started.url);
    const set = ([] as string[]).concat(first.headers['set-cookie'] ?? []);
    const names = set.map((c) => c.slice(0, c.indexOf('=')));
    expect(names).toEqual(expect.arrayContaining(['__Secure-op-oidc-interaction', '__Secure-op-oidc-resume']));
    for (const cookie of set) expect(cookie, cookie).toMatch(/; secure/i);
    for (const cookie of set) expect(cookie, cookie).toMatch(/; httponly/i);
    // Through the sign-in: the provider's session cookie, Path=/ and no Domain as __Host- requires.
    let page = await browser.follow('', op.base, first);
    const signedIn = await browser.submit(page, { username, password: PASSWORD });
    page = await browser.follow('', op.base, signedIn);
    const answer = await browser.submit(page, { decision: 'allow_once' });
    const hops: string[] = [];
    let res = answer;
    for (let i = 0; i < 5 && res.status >= 300 && res.status < 400; i++) {
      hops.push(...([] as string[]).concat(res.headers['set-cookie'] ?? []));
      const next = new URL(String(res.headers.location), res.url);
      if (next.origin !== op.base) break;
      res = await browser.request('GET', next.href);
    }
    const session = hops.filter((c) => c.startsWith('__Host-op-oidc-session='));
    expect(session.length).toBeGreaterThan(0);
    for (const cookie of session) {
      expect(cookie).toMatch(/; path=\/(;|$)/i);
      expect(cookie).not.toMatch(/; domain=/i);
      expect(cookie).toMatch(/; secure/i);
    }
  });

  it('names the application on the login page, and keeps the interaction through refused forms (too long, wrong password)', async () => {
    const browser = new Browser(FROM);
    const started = await start();
    const login = await browser.follow(started.url, op.base);
    expect(isLogin(login)).toBe(true);
    // The client's registered name and where the answer goes, as the realm is named for OpenID 2.0.
    expect(login.body).toMatch(/to continue to <span class="realm">Single-page app<\/span>/);
    expect(login.body).toContain('http://127.0.0.1:9');
    const uid = /name="interaction" value="([^"]+)"/.exec(login.body)![1]!;
    // Refused by the form's own rules (LoginForm: no account has so long a username), then by the password.
    const tooLong = await browser.submit(login, { username: 'x'.repeat(2000), password: PASSWORD });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toContain(`name="interaction" value="${uid}"`);
    expect(tooLong.body).toContain('Single-page app');
    const wrong = await browser.submit(tooLong, { username, password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain(`name="interaction" value="${uid}"`);
    // The third try signs in and the same authorization request goes on to the RP.
    const signedIn = await browser.submit(wrong, { username, password: PASSWORD });
    expect(String(signedIn.headers.location)).toBe(`/oidc/interaction/${uid}`);
    const consent = await browser.follow('', op.base, signedIn);
    expect(isConsent(consent)).toBe(true);
    const tokens = await exchange(started, await browser.follow('', op.base, await browser.submit(consent, { decision: 'allow_once' })));
    expect(tokens.claims()!.sub).toBe(userId);
  });

  it('a forged interaction field in a refused form is dropped, not echoed', async () => {
    const browser = new Browser(FROM);
    const login = await browser.follow(`${op.base}/login`, op.base);
    const forged = await browser.submit(login, { username: 'x'.repeat(2000), password: PASSWORD, interaction: '"><script>x</script>' });
    expect(forged.status).toBe(400);
    expect(forged.body).not.toContain('name="interaction"');
    expect(forged.body).not.toContain('<script>x');
  });

  it('lets a signed-in browser through without the login page; "allow once" asks again, "always allow" does not', async () => {
    const browser = new Browser(FROM);
    const first = await start();
    await exchange(first, await drive(browser, first.url, 'allow_once'));
    const again = await start();
    const seen: string[] = [];
    await exchange(again, await drive(browser, again.url, 'allow_always', seen));
    expect(seen).toEqual(['consent']);
    const third = await start();
    const none: string[] = [];
    const tokens = await exchange(third, await drive(browser, third.url, 'allow_once', none));
    expect(none).toEqual([]);
    expect(tokens.claims()!.sub).toBe(userId);
  });

  it('prompt=none: login_required without a session, a code with session and grant (Core §3.1.2.6)', async () => {
    // A person with no "always allow" yet (grants are per account, whatever the browser).
    username = uniqueName('nurse');
    userId = (await op.app.get(UsersService).create({ domain: 'localhost', username, password: PASSWORD })).id;
    const browser = new Browser(FROM);
    const none = await start({ prompt: 'none' });
    const refused = await browser.follow(none.url, op.base);
    const location = new URL(String(refused.headers.location));
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('error')).toBe('login_required');
    expect(location.searchParams.get('state')).toBe(none.state);

    // "allow once" is no grant for the next request: consent_required (like checkid_immediate).
    const once = await start();
    await exchange(once, await drive(browser, once.url, 'allow_once'));
    const asked = await start({ prompt: 'none' });
    expect(new URL(String((await browser.follow(asked.url, op.base)).headers.location)).searchParams.get('error')).toBe('consent_required');

    const first = await start();
    await exchange(first, await drive(browser, first.url, 'allow_always'));
    const silent = await start({ prompt: 'none' });
    const tokens = await exchange(silent, await browser.follow(silent.url, op.base));
    expect(tokens.claims()!.sub).toBe(userId);

    // A scope not granted yet: consent_required, never a page.
    const more = await start({ prompt: 'none', scope: 'openid email' });
    const answer = new URL(String((await browser.follow(more.url, op.base)).headers.location));
    expect(answer.searchParams.get('error')).toBe('consent_required');
  });

  it('prompt=consent asks again under an "always allow", showing what the application gets (Core §3.1.2.1)', async () => {
    const browser = new Browser(FROM);
    const first = await start({ scope: 'openid profile' });
    await exchange(first, await drive(browser, first.url, 'allow_always'));
    const again = await start({ scope: 'openid profile', prompt: 'consent' });
    const seen: string[] = [];
    let consentPage = '';
    const page = await browser.follow(again.url, op.base);
    if (isConsent(page)) {
      seen.push('consent');
      consentPage = page.body;
    }
    expect(seen).toEqual(['consent']);
    expect(consentPage).toContain('<code>profile</code>');
    const once = await exchange(again, await browser.follow('', op.base, await browser.submit(page, { decision: 'allow_once' })));
    expect(once.claims()!.sub).toBe(userId);
    // "Allow once" left the "always allow" as it was: its tokens still work.
    const earlier = await start({ scope: 'openid profile' });
    const kept = await exchange(earlier, await browser.follow(earlier.url, op.base));
    expect((await client.fetchUserInfo(config, kept.access_token, userId)).sub).toBe(userId);
    // "Always allow" again under prompt=consent replaces that grant: the old one ends with its tokens.
    const replace = await start({ scope: 'openid profile', prompt: 'consent' });
    const page2 = await browser.follow(replace.url, op.base);
    expect(isConsent(page2)).toBe(true);
    const replaced = await exchange(replace, await browser.follow('', op.base, await browser.submit(page2, { decision: 'allow_always' })));
    await expect(client.fetchUserInfo(config, kept.access_token, userId)).rejects.toThrow();
    expect((await client.fetchUserInfo(config, replaced.access_token, userId)).sub).toBe(userId);
  });

  it('prompt=login and max_age=0 ask for the password again; auth_time is the new sign-in', async () => {
    const browser = new Browser(FROM);
    const first = await start();
    const firstTokens = await exchange(first, await drive(browser, first.url));
    const firstAuth = firstTokens.claims()!.auth_time!;
    await new Promise((r) => setTimeout(r, 1100));
    for (const extra of [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]) {
      const again = await start(extra);
      const seen: string[] = [];
      const answer = await drive(browser, again.url, 'allow_once', seen);
      expect({ extra, seen, status: answer.status, location: answer.headers.location }).toEqual({ extra, seen: ['login'], status: 303, location: expect.stringContaining(REDIRECT) });
      const tokens = await exchange(again, answer);
      expect(tokens.claims()!.auth_time).toBeGreaterThan(firstAuth);
    }
  });

  it('deny answers access_denied at the redirect_uri', async () => {
    const browser = new Browser(FROM);
    const started = await start({ scope: 'openid address' });
    const answer = await drive(browser, started.url, 'deny');
    const location = new URL(String(answer.headers.location));
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe(started.state);
  });

  it('a signed-out browser (our session gone) is asked to sign in again: the provider session follows ours', async () => {
    const browser = new Browser(FROM);
    const first = await start();
    await exchange(first, await drive(browser, first.url));
    // Our session cookie gone (logout, expiry), the provider's _session cookie still there.
    browser.clearSessionCookies();
    const none = await start({ prompt: 'none' });
    const refused = new URL(String((await browser.follow(none.url, op.base)).headers.location));
    expect(refused.searchParams.get('error')).toBe('login_required');
  });
});
