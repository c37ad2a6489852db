import * as client from 'openid-client';
import { Domains } from '../../src/config/domains.js';
import { UsersService } from '../../src/users/users.service.js';
import { BotCommandRunner } from '../../src/xmpp/bot/bot-command-runner.js';
import { Browser, type BrowserResponse, decodeEntities, startProvider, type LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';

// "Always allow" for an OpenID Connect client is a trust grant beside the OpenID 2.0 realms: on
// the identity page and in the bot's `sites`, revocable from both, and revoking it ends the
// client's grant and its refresh tokens.

const PASSWORD = 'what light through yonder window breaks';
const REDIRECT = 'http://127.0.0.1:9/callback';

describe('OpenID Connect "always allow"', () => {
  let op: LiveProvider;
  let config: client.Configuration;

  beforeAll(async () => {
    op = await startProvider({ oidc: { clients: [{ client_id: 'spa', client_name: 'Single-page app', redirect_uris: [REDIRECT] }] } });
    config = await client.discovery(new URL(op.base), 'spa', undefined, client.None());
  });
  afterAll(async () => {
    await op?.close();
  });

  async function person() {
    const username = uniqueName('romeo');
    await op.app.get(UsersService).create({ domain: 'localhost', username, password: PASSWORD });
    return username;
  }

  /** Signs in with offline_access and answers "always allow"; the tokens. */
  async function alwaysAllow(browser: Browser, username: string) {
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid offline_access', prompt: 'consent', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    let page: BrowserResponse = await browser.follow(url.href, op.base);
    page = await browser.follow('', op.base, await browser.submit(page, { username, password: PASSWORD }));
    expect(page.body).toContain('Always allow');
    page = await browser.follow('', op.base, await browser.submit(page, { decision: 'allow_always' }));
    return client.authorizationCodeGrant(config, new URL(String(page.headers.location)), { pkceCodeVerifier: verifier });
  }

  async function silent(browser: Browser): Promise<string | null> {
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', prompt: 'none', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
    const answer = new URL(String((await browser.follow(url.href, op.base)).headers.location));
    return answer.searchParams.get('code') !== null ? 'code' : answer.searchParams.get('error');
  }

  it('appears on the identity page; revoking it there ends the refresh token and asks again', async () => {
    const browser = new Browser();
    const username = await person();
    const tokens = await alwaysAllow(browser, username);
    expect(await silent(browser)).toBe('code');
    const page = await browser.request('GET', op.identifier(username));
    expect(page.body).toContain('spa (OpenID Connect)');
    const form = /<form method="post" action="(\/account\/trust\/[^"]+\/revoke)"[^>]*>([\s\S]*?)<\/form>/.exec(page.body)!;
    const csrf = decodeEntities(/name="csrf" value="([^"]*)"/.exec(form[2]!)![1]!);
    const revoked = await browser.request('POST', `${op.base}${form[1]}`, { csrf });
    expect(revoked.status).toBeLessThan(400);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await silent(browser)).toBe('consent_required');
    expect((await browser.request('GET', op.identifier(username))).body).not.toContain('spa (OpenID Connect)');
  });

  it('appears in the bot\'s sites; revoking it there ends the refresh token too', async () => {
    const browser = new Browser();
    const username = await person();
    const tokens = await alwaysAllow(browser, username);
    const bot = op.app.get(BotCommandRunner);
    const domain = op.app.get(Domains).byName('localhost')!;
    expect(await bot.run(domain, username, { command: 'sites' })).toContain('1. spa (OpenID Connect)');
    expect(await bot.run(domain, username, { command: 'revoke', target: { index: 1 } })).toContain('Revoked: spa (OpenID Connect)');
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await silent(browser)).toBe('consent_required');
  });

  it('"allow once" for more scopes does not widen an "always allow"', async () => {
    const browser = new Browser();
    const username = await person();
    await alwaysAllow(browser, username);
    // More scopes, allowed once: the consent page asks for the new one only.
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid email', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    let page: BrowserResponse = await browser.follow(url.href, op.base);
    expect(page.body).toContain('Your e-mail address');
    page = await browser.follow('', op.base, await browser.submit(page, { decision: 'allow_once' }));
    await client.authorizationCodeGrant(config, new URL(String(page.headers.location)), { pkceCodeVerifier: verifier });
    // The "always allow" still covers openid alone, not email.
    expect(await silent(browser)).toBe('code');
    const more = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid email', prompt: 'none', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
    expect(new URL(String((await browser.follow(more.href, op.base)).headers.location)).searchParams.get('error')).toBe('consent_required');
  });
});
