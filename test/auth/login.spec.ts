import { UsersService } from '../../src/users/users.service.js';
import { Browser, startProvider, type BrowserResponse, type LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';

// The login form of the public contract: CSRF, sessions, messages that do not enumerate
// accounts, and throttling with back-off.

describe('login', () => {
  let op: LiveProvider;
  let username: string;
  const password = 'a good passphrase';

  beforeAll(async () => {
    op = await startProvider({ security: { login_rate_limit: { max_attempts_per_account: 3, max_attempts_per_address: 10, backoff_base: 30 } } });
    username = uniqueName('romeo');
    await op.app.get(UsersService).create({ domain: 'localhost', username, password });
  });
  afterAll(() => op.close());

  async function loginForm(browser: Browser): Promise<BrowserResponse> {
    const page = await browser.request('GET', `${op.base}/login`);
    expect(page.status).toBe(200);
    return page;
  }

  it('serves the contract form with a CSRF token and strict headers', async () => {
    const page = await loginForm(new Browser());
    expect(page.body).toMatch(/<form method="post" action="\/login">/);
    for (const name of ['username', 'password', 'remember', 'csrf']) expect(page.body).toContain(`name="${name}"`);
    expect(page.headers['set-cookie']).toEqual([expect.stringMatching(/^__Host-op-csrf=[A-Za-z0-9_-]{43}; Path=\/; SameSite=Lax; Secure; HttpOnly$/)]);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
    // Not no-referrer: Chromium would then send "Origin: null" on our own form posts.
    expect(page.headers['referrer-policy']).toBe('same-origin');
  });

  it('refuses a post without the CSRF token of the browser', async () => {
    const browser = new Browser();
    await loginForm(browser);
    const res = await browser.request('POST', `${op.base}/login`, { csrf: 'x'.repeat(43), username, password });
    expect(res.status).toBe(403);
    expect(res.body).toContain('Form expired');
    const other = new Browser();
    const page = await loginForm(other);
    const token = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const crossSite = await other.request('POST', `${op.base}/login`, { csrf: token, username, password }, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    // "Origin: null" (privacy settings, no-referrer pages) carries no information: the token decides.
    const nullOrigin = await other.request('POST', `${op.base}/login`, { csrf: token, username, password }, { origin: 'null' });
    expect(nullOrigin.status).toBe(303);
  });

  it('logs in, sets a rotated session cookie, and goes to the identity page', async () => {
    const browser = new Browser();
    const form = await loginForm(browser);
    const res = await browser.submit(form, { username: username.toUpperCase(), password, remember: '1' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(op.identifier(username));
    const cookie = (res.headers['set-cookie'] as string[]).find((c) => c.startsWith('__Host-op-session='))!;
    expect(cookie).toMatch(/^__Host-op-session=[A-Za-z0-9_-]{43}; Path=\/; SameSite=Lax; Secure; HttpOnly; Max-Age=2592000$/);
    // Signed in, /login leads to the identity page; a login posted anyway gets a new session.
    const signedIn = await browser.request('GET', `${op.base}/login`);
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.location).toBe(op.identifier(username));
    // The form loaded before signing in carries the old CSRF token, renewed at sign-in: refused.
    const stale = await browser.submit(form, { username, password });
    expect(stale.status).toBe(403);
    const owner = await browser.request('GET', op.identifier(username));
    const csrf = /name="csrf" value="([^"]+)"/.exec(owner.body)![1]!;
    const again = await browser.request('POST', `${op.base}/login`, { csrf, username, password });
    expect(again.status).toBe(303);
    const second = (again.headers['set-cookie'] as string[]).find((c) => c.startsWith('__Host-op-session='))!;
    expect(second.split(';')[0]).not.toBe(cookie.split(';')[0]);
    expect(second).not.toContain('Max-Age'); // no "remember me" this time: a browser-session cookie
  });

  it('says the same for an unknown account and a wrong password', async () => {
    const browser = new Browser();
    const unknown = await browser.submit(await loginForm(browser), { username: uniqueName('ghost'), password });
    const wrong = await browser.submit(await loginForm(browser), { username: uniqueName('ghost'), password: 'nope nope nope' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toContain('Wrong username or password.');
    expect(wrong.body).toContain('Wrong username or password.');
  });

  it('throttles an account after repeated failures, with the wait, even for the right password', async () => {
    const name = uniqueName('juliet');
    await op.app.get(UsersService).create({ domain: 'localhost', username: name, password });
    const browser = new Browser();
    for (let i = 0; i < 2; i++) expect((await browser.submit(await loginForm(browser), { username: name, password: 'wrong password' })).status).toBe(401);
    const third = await browser.submit(await loginForm(browser), { username: name, password: 'wrong password' });
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBe('30');
    expect(third.body).toContain('Too many failed attempts. Try again in 30 seconds.');
    const right = await browser.submit(await loginForm(browser), { username: name, password });
    expect(right.status).toBe(429);
    expect(right.headers['set-cookie']?.toString() ?? '').not.toContain('op-session');
  });
});
