import { UsersService } from '../../src/users/users.service.js';
import { bootApp, testConfig, uniqueName, type TestApp } from '../helpers/test-app.js';
import { checkidSetupUrl, InjectedBrowser, setCookies } from './browser.js';

// Session fixation (OWASP ASVS 4.0 3.2.1 "new session token on user authentication"; OWASP
// Session Management Cheat Sheet, "Renew the Session ID After Any Privilege Level Change"): a
// session token or a CSRF token known before the sign-in (planted by an attacker, read off a
// shared machine) is worth nothing after it. The XMPP approval path ends in the same
// LoginService.completeSignIn and answerLogin; test/security/xmpp-approval.spec.ts drives it.

const PASSWORD = 'a good passphrase';
const SESSION = '__Host-op-session';
const CSRF = '__Host-op-csrf';

describe('session fixation (OWASP ASVS 4.0 3.2.1)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, realm: { return_to_verification: 'off' } }));
  });
  afterAll(() => t?.close());

  const browser = () => new InjectedBrowser(t.app, 'example.org');

  async function account(): Promise<string> {
    const username = uniqueName('romeo');
    await t.app.get(UsersService).create({ domain: 'example.org', username, password: PASSWORD });
    return username;
  }

  it('a planted session (the attacker\'s own, valid) is ended and replaced at the victim\'s login; the CSRF token changes too', async () => {
    const victim = await account();
    const attacker = await account();
    // The attacker signs in as themselves and keeps both tokens.
    const mallory = browser();
    expect((await mallory.login({ username: attacker, password: PASSWORD })).status).toBe(303);
    const planted = { session: mallory.cookie(SESSION)!, csrf: mallory.cookie(CSRF)! };
    expect(planted.session).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // ...and plants them in the victim's browser, who then signs in.
    const romeo = browser();
    romeo.cookies.set(SESSION, planted.session);
    romeo.cookies.set(CSRF, planted.csrf);
    const page = await romeo.get('/login');
    expect(page.status).toBe(302); // "signed in" as the attacker, until the form is posted
    const login = await romeo.post('/login', { csrf: planted.csrf, username: victim, password: PASSWORD });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe(`https://example.org/openid/${victim}`);
    const after = { session: romeo.cookie(SESSION)!, csrf: romeo.cookie(CSRF)! };
    expect(after.session).not.toBe(planted.session);
    expect(after.csrf).not.toBe(planted.csrf);
    expect(after.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const written = setCookies(login.headers);
    expect(written.filter((c) => c.startsWith(`${SESSION}=`))).toHaveLength(1);
    expect(written.filter((c) => c.startsWith(`${CSRF}=`))).toHaveLength(1);

    // The planted session is over: the attacker's browser is no longer signed in anywhere.
    const owner = await mallory.get(`/openid/${victim}`);
    expect(owner.body).not.toContain('Sign out everywhere');
    expect((await mallory.get('/login')).status).toBe(200);
    // The attacker's CSRF token no longer fits the victim's browser: a forged post is refused.
    const forged = await romeo.post('/account/notices', { csrf: planted.csrf, notices: 'off' }, { accept: 'application/json' });
    expect(forged.status).toBe(403);
    expect(JSON.parse(forged.body)).toMatchObject({ status: 403, code: 'csrf_failed' });
    // The victim's own page works with the new token.
    const mine = await romeo.get(`/openid/${victim}`);
    expect(mine.body).toContain('Sign out everywhere');
    expect(mine.body).toContain(`name="csrf" value="${after.csrf}"`);
  });

  it('a token chosen by the attacker (never issued) is not adopted: the login sets a fresh server-made session', async () => {
    const victim = await account();
    const romeo = browser();
    const chosen = 'A'.repeat(43);
    romeo.cookies.set(SESSION, chosen);
    const login = await romeo.login({ username: victim, password: PASSWORD });
    expect(login.status).toBe(303);
    expect(romeo.cookie(SESSION)).not.toBe(chosen);
    // A second login from the same browser (signed in already) again rotates both.
    const before = { session: romeo.cookie(SESSION)!, csrf: romeo.cookie(CSRF)! };
    const again = await romeo.post('/login', { csrf: before.csrf, username: victim, password: PASSWORD });
    expect(again.status).toBe(303);
    expect(romeo.cookie(SESSION)).not.toBe(before.session);
    expect(romeo.cookie(CSRF)).not.toBe(before.csrf);
    const stale = new InjectedBrowser(t.app, 'example.org');
    stale.cookies.set(SESSION, before.session);
    expect((await stale.get(`/openid/${victim}`)).body).not.toContain('Sign out everywhere');
  });

  it('the login that continues an OpenID request (checkid_setup, then consent) rotates both tokens as well', async () => {
    const victim = await account();
    const romeo = browser();
    const loginPage = await romeo.follow(checkidSetupUrl('https://example.org', victim));
    expect(loginPage.status).toBe(200);
    expect(loginPage.body).toContain('name="request"');
    const before = romeo.cookie(CSRF)!;
    const login = await romeo.submit(loginPage, { username: victim, password: PASSWORD });
    expect(login.status).toBe(303);
    expect(romeo.cookie(CSRF)).not.toBe(before);
    const consent = await romeo.follow(String(login.headers.location));
    expect(consent.status).toBe(200);
    expect(consent.body).toContain('name="decision"');
    // The consent form carries the new token, and it is accepted.
    expect(consent.body).toContain(`name="csrf" value="${romeo.cookie(CSRF)!}"`);
    const back = await romeo.submit(consent, { decision: 'allow_once' });
    expect(back.status).toBe(303);
    expect(String(back.headers.location)).toMatch(/^https:\/\/rp\.example\/return\?.*openid\.mode=id_res/);
  });
});
