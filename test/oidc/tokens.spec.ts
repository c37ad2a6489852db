import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { UsersService } from '../../src/users/users.service.js';
import { Browser, type BrowserResponse, startProvider, type LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';

// A confidential client (client_secret_basic), refresh tokens only for offline_access and
// rotated at every use (RFC 9700 §4.14.2), revocation (RFC 7009), RP-initiated logout, and bad
// input on the Connect routes: structured errors, never a 500.

const PASSWORD = 'parting is such sweet sorrow';
const REDIRECT = 'https://app.example/callback';
const SECRET = 'a-confidential-client-secret-of-forty-two!';

describe('OpenID Connect tokens with a confidential client', () => {
  let op: LiveProvider;
  let config: client.Configuration;
  let username: string;

  beforeAll(async () => {
    const secretFile = join(mkdtempSync(join(tmpdir(), 'op-oidc-')), 'web.secret');
    writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
    op = await startProvider({
      oidc: {
        clients: [
          { client_id: 'web', client_name: 'Web app', redirect_uris: [REDIRECT], post_logout_redirect_uris: ['https://app.example/bye'], client_secret_file: secretFile },
          { client_id: 'other', client_name: 'Another app', redirect_uris: ['https://other.example/cb'], client_secret_file: secretFile },
        ],
      },
    });
    username = uniqueName('romeo');
    await op.app.get(UsersService).create({ domain: 'localhost', username, password: PASSWORD });
    config = await client.discovery(new URL(op.base), 'web', undefined, client.ClientSecretBasic(SECRET));
  });
  afterAll(async () => {
    await op?.close();
  });

  async function signIn(browser: Browser, scope: string, extra: Record<string, string> = {}) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, ...extra });
    let page: BrowserResponse = await browser.follow(url.href, op.base);
    for (let i = 0; i < 4 && page.status === 200; i++) {
      if (page.body.includes('name="password"')) page = await browser.follow('', op.base, await browser.submit(page, { username, password: PASSWORD }));
      else if (page.body.includes('name="decision"')) page = await browser.follow('', op.base, await browser.submit(page, { decision: 'allow_once' }));
    }
    return client.authorizationCodeGrant(config, new URL(String(page.headers.location)), { pkceCodeVerifier: verifier, expectedState: state });
  }

  it('issues a refresh token for offline_access with consent, rotates it on every use, and revokes the grant on reuse', async () => {
    // OpenID Connect Core 1.0 §11: offline_access is honoured with prompt=consent.
    const tokens = await signIn(new Browser(), 'openid offline_access', { prompt: 'consent' });
    const first = tokens.refresh_token!;
    expect(first).toBeTruthy();
    const second = await client.refreshTokenGrant(config, first);
    expect(second.refresh_token).toBeTruthy();
    expect(second.refresh_token).not.toBe(first);
    expect(second.claims()!.sub).toBe(tokens.claims()!.sub);
    // The used token again: refused, and the whole grant with it (the rotated token too).
    await expect(client.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.refreshTokenGrant(config, second.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('revokes an access token (RFC 7009): userinfo then refuses it', async () => {
    const tokens = await signIn(new Browser(), 'openid');
    const sub = tokens.claims()!.sub;
    expect((await client.fetchUserInfo(config, tokens.access_token, sub)).sub).toBe(sub);
    // RFC 7009 §2.1: another client may not revoke it.
    const other = await client.discovery(new URL(op.base), 'other', undefined, client.ClientSecretBasic(SECRET));
    await expect(client.tokenRevocation(other, tokens.access_token)).rejects.toMatchObject({ error: 'invalid_request' });
    expect((await client.fetchUserInfo(config, tokens.access_token, sub)).sub).toBe(sub);
    await client.tokenRevocation(config, tokens.access_token);
    await expect(client.fetchUserInfo(config, tokens.access_token, sub)).rejects.toMatchObject({ status: 401 });
  });

  it('refuses the token endpoint without the secret or with a wrong one (invalid_client, RFC 6749 §5.2)', async () => {
    for (const authorization of [undefined, `Basic ${Buffer.from('web:wrong').toString('base64')}`]) {
      const res = await fetch(`${op.base}/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT }),
      });
      expect(res.status).toBe(authorization ? 401 : 400);
      expect(((await res.json()) as { error: string }).error).toBe(authorization ? 'invalid_client' : 'invalid_request');
    }
  });

  it('RP-initiated logout: our confirmation page, then back to the registered post_logout_redirect_uri', async () => {
    const browser = new Browser();
    const tokens = await signIn(browser, 'openid');
    const url = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://app.example/bye', state: 'bye' });
    const page = await browser.follow(url.href, op.base);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Sign out?');
    expect(page.body).toContain('Web app');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(page.body)!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(form[2]!)![1]!;
    const done = await browser.request('POST', new URL(form[1]!, op.base).href, { xsrf, logout: 'yes' });
    expect(done.status).toBe(303);
    expect(String(done.headers.location)).toBe('https://app.example/bye?state=bye');
    // Signed out of the provider, our session included: the next request asks for the password.
    const again = await browser.follow(`${op.base}/login`, op.base);
    expect(again.body).toContain('name="password"');
    const none = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256', prompt: 'none' });
    const refused = await browser.follow(none.href, op.base);
    expect(new URL(String(refused.headers.location)).searchParams.get('error')).toBe('login_required');
  });

  it('RP-initiated logout answered "stay signed in" keeps our session', async () => {
    const browser = new Browser();
    const tokens = await signIn(browser, 'openid');
    const page = await browser.follow(client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token! }).href, op.base);
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(page.body)!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(form[2]!)![1]!;
    await browser.request('POST', new URL(form[1]!, op.base).href, { xsrf });
    // Still signed in: /login goes to the identity page.
    const login = await browser.request('GET', `${op.base}/login`);
    expect(login.status).toBe(302);
    expect(String(login.headers.location)).toContain(`/openid/${username}`);
  });
});

describe('bad input on the Connect routes', () => {
  let op: LiveProvider;

  beforeAll(async () => {
    op = await startProvider({ oidc: { clients: [{ client_id: 'spa', client_name: 'SPA', redirect_uris: ['http://127.0.0.1:9/cb'] }] } });
  });
  afterAll(async () => {
    await op?.close();
  });

  // Over the real HTTPS socket: the same path as a browser's (TLS, the pipeline, Node's parser).
  async function send(method: 'GET' | 'POST', url: string, payload?: string | Buffer) {
    const res = await fetch(`${op.base}${url}`, {
      method,
      redirect: 'manual',
      headers: { accept: 'text/html', ...(payload !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: payload,
    });
    return { statusCode: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  }

  it('answers every malformed request with a structured 4xx, never a 500', async () => {
    const huge = 'a'.repeat(60_000);
    const cases: [string, 'GET' | 'POST', string, (string | Buffer)?][] = [
      ['huge parameter', 'GET', `/oidc/auth?client_id=spa&redirect_uri=${huge}`],
      ['NUL byte', 'GET', '/oidc/auth?client_id=spa%00&response_type=code&scope=openid'],
      ['non-UTF-8', 'GET', '/oidc/auth?client_id=%ff%fe&response_type=code'],
      ['repeated parameter', 'GET', '/oidc/auth?client_id=spa&client_id=spa&response_type=code&scope=openid'],
      ['unknown client', 'GET', '/oidc/auth?client_id=nobody&response_type=code&scope=openid&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb'],
      ['token: no grant', 'POST', '/oidc/token', 'client_id=spa'],
      ['token: NUL and non-UTF-8', 'POST', '/oidc/token', Buffer.from('grant_type=authorization_code%00&code=%ff&client_id=spa')],
      ['token: huge body', 'POST', '/oidc/token', `client_id=spa&grant_type=authorization_code&code=${'x'.repeat(200_000)}`],
      ['revocation: nothing', 'POST', '/oidc/token/revocation', 'token='],
      ['userinfo: no token', 'GET', '/oidc/me'],
      ['interaction: unknown uid', 'GET', '/oidc/interaction/abc'],
      ['interaction: bad uid', 'GET', '/oidc/interaction/%3Cscript%3E'],
      ['interaction: post without CSRF', 'POST', '/oidc/interaction/abc', 'decision=allow_once'],
      ['end session: bad hint', 'GET', '/oidc/session/end?id_token_hint=not.a.jwt'],
      ['login: bad interaction', 'GET', '/login?interaction=..%2F..%2Fevil'],
    ];
    for (const [what, method, url, payload] of cases) {
      const res = await send(method, url, payload);
      expect({ what, status: res.statusCode >= 400 && res.statusCode < 500 }).toEqual({ what, status: true });
      expect(res.body).not.toContain('internal_error');
      expect(res.headers['x-request-id']).toBeTruthy();
      expect(res.headers['location']).toBeUndefined();
    }
  });
});
