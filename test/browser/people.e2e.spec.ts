import { randomBytes } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { UsersService } from '../../src/users/users.service.js';
import { LOOPBACK_RP_REALM, startProvider, type LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';
import { launchBrowser, Profile, requireChromium } from './chromium.js';
import { NavigationLog, navigation, Screenshots, seriousA11yViolations } from './page-tools.js';
import { startBrowserRelyingParty, type BrowserRelyingParty } from './relying-party.js';

// People in a real browser (headless Chromium): a relying party site in this process (npm
// `openid`) sends the browser to the provider and verifies what comes back, so every sign-in
// really goes RP → OP → RP over HTTPS, with the provider's CSP, cookies and redirects as served.
// Every page seen is screenshotted to test-output/screenshots/<scenario>-<n>.png.

requireChromium(); // fails the suite, loudly, when /usr/bin/chromium is missing

const PASSWORD = 'correct horse battery staple';
const TIMEOUT = 30_000;

describe('people signing in with a real browser', () => {
  let op: LiveProvider;
  let rp: BrowserRelyingParty;
  let profile: Profile;
  let throwaway: Awaited<ReturnType<typeof launchBrowser>>;
  /** The persistent browser of scenarios 1-4 (relaunched on the same profile in scenario 2). */
  let mine: BrowserContext | undefined;
  let user: string;

  beforeAll(async () => {
    [op, rp, throwaway] = await Promise.all([
      // LOOPBACK_RP_REALM (and the RP's published return_to): "always allow" answers by
      // itself only for a return_to the RP's discovery vouches for (OpenID 2.0 §9.2.1).
      startProvider({ security: { login_rate_limit: { max_attempts_per_account: 3 } }, realm: LOOPBACK_RP_REALM }),
      startBrowserRelyingParty(),
      launchBrowser(),
    ]);
    profile = new Profile();
    user = await newUser('alice');
  });

  afterAll(async () => {
    await mine?.close().catch(() => undefined);
    await throwaway?.browser.close().catch(() => undefined);
    await rp?.close();
    await op?.close();
    profile?.remove();
  });

  async function newUser(prefix: string): Promise<string> {
    const name = uniqueName(prefix);
    await op.app.get(UsersService).create({ domain: 'localhost', username: name, password: PASSWORD });
    return name;
  }

  async function firstPage(context: BrowserContext): Promise<Page> {
    return context.pages()[0] ?? (await context.newPage());
  }

  /** Starts a sign-in at the RP with `name`'s identifier; answers where the browser ended up. */
  async function startSignIn(page: Page, shots: Screenshots, name = user): Promise<URL> {
    await page.goto(rp.signInUrl(op.identifier(name)));
    await shots.take(page);
    return new URL(page.url());
  }

  async function expectLoginPage(page: Page, withRequest = true): Promise<void> {
    const url = new URL(page.url());
    expect(url.origin).toBe(op.base);
    expect(url.pathname).toBe('/login');
    if (withRequest) expect(url.searchParams.get('request')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    await expect.poll(() => page.locator('form[method="post"] input[name="password"]').count()).toBe(1);
  }

  async function submitLogin(page: Page, shots: Screenshots, fields: { username?: string; password: string; remember?: boolean }): Promise<void> {
    if (fields.username !== undefined) await page.fill('input[name="username"]', fields.username);
    await page.fill('input[name="password"]', fields.password);
    if (fields.remember) await page.check('input[name="remember"]');
    await navigation(page, () => page.getByRole('button', { name: 'Sign in' }).click());
    await shots.take(page);
  }

  async function expectConsentPage(page: Page): Promise<void> {
    const url = new URL(page.url());
    expect(`${url.origin}${url.pathname}`).toBe(`${op.base}/consent`);
    expect(await page.locator('p.realm').innerText()).toBe(rp.realm);
    for (const value of ['allow_once', 'allow_always', 'deny']) expect(await page.locator(`button[name="decision"][value="${value}"]`).count()).toBe(1);
  }

  async function decide(page: Page, shots: Screenshots, decision: 'allow_once' | 'allow_always'): Promise<void> {
    await navigation(page, () => page.locator(`button[name="decision"][value="${decision}"]`).click());
    await shots.take(page);
  }

  async function expectSignedInAtRp(page: Page, name = user): Promise<void> {
    expect(page.url().startsWith(`${rp.site.origin}/verify?`)).toBe(true);
    expect(await page.locator('#status').innerText()).toBe(`Signed in as ${op.identifier(name)}`);
  }

  /** The <section> of the owner view headed `title`. */
  function section(page: Page, title: string) {
    return page.locator('section').filter({ has: page.getByRole('heading', { level: 2, name: title, exact: true }) });
  }

  async function openIdentityPage(page: Page, shots: Screenshots, name = user): Promise<void> {
    await page.goto(op.identifier(name));
    await shots.take(page);
  }

  async function expectOwnerView(page: Page): Promise<void> {
    for (const title of ['Trusted sites', 'Sessions', 'Recent sign-ins']) expect(await section(page, title).count(), `section "${title}"`).toBe(1);
  }

  async function expectPublicView(page: Page): Promise<void> {
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain(`@localhost`);
    expect(await page.getByRole('heading', { name: 'Trusted sites' }).count()).toBe(0);
    expect(await page.locator('form').count()).toBe(0);
  }

  it('1. first sign-in: RP → login (remember me) → consent "Always allow" → back at the RP, signed in', async () => {
    const shots = new Screenshots('1-first-sign-in');
    mine = await profile.launch();
    const page = await firstPage(mine);
    await startSignIn(page, shots);
    await expectLoginPage(page);
    expect(await page.inputValue('input[name="username"]')).toBe(user); // from the claimed identifier
    expect(await page.locator('span.realm').innerText()).toBe(rp.realm);
    await submitLogin(page, shots, { password: PASSWORD, remember: true });
    await expectConsentPage(page);
    await decide(page, shots, 'allow_always');
    await expectSignedInAtRp(page);
    // "Keep me signed in" made the session cookie persistent; the CSRF cookie is a session cookie.
    const cookies = await mine.cookies(op.base);
    const session = cookies.find((c) => c.name === '__Host-op-session');
    expect(session).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(session!.expires).toBeGreaterThan(Date.now() / 1000 + 29 * 24 * 3600);
    expect(cookies.find((c) => c.name === '__Host-op-csrf')?.expires).toBe(-1);
  }, TIMEOUT);

  it('2. browser restart: the remembered session signs in at the trusted RP without any provider page', async () => {
    const shots = new Screenshots('2-browser-restart');
    await mine!.close(); // shuts Chromium down: session cookies go, persistent ones are on disk
    mine = await profile.launch();
    const cookies = await mine.cookies(op.base);
    expect(cookies.map((c) => c.name)).toContain('__Host-op-session');
    expect(cookies.map((c) => c.name)).not.toContain('__Host-op-csrf');
    const page = await firstPage(mine);
    const log = new NavigationLog(page);
    await startSignIn(page, shots);
    log.stop();
    await expectSignedInAtRp(page);
    // The browser did pass through the provider, but only through redirects: no page was shown.
    const fromOp = log.responses.filter((r) => r.url.startsWith(`${op.base}/`));
    expect(fromOp.length, JSON.stringify(log.responses, null, 2)).toBeGreaterThan(0);
    for (const r of fromOp) expect([302, 303], `${r.url} answered ${r.status} ${r.contentType}`).toContain(r.status);
    expect(log.committed, 'main-frame documents shown').toEqual([expect.stringMatching(new RegExp(`^${rp.site.origin}/verify\\?`))]);
  }, TIMEOUT);

  it('3. revoke: the identity page lists the trusted RP; "Revoke" removes it and the RP asks for consent again', async () => {
    const shots = new Screenshots('3-revoke');
    const page = await firstPage(mine!);
    await openIdentityPage(page, shots);
    await expectOwnerView(page);
    const trusted = section(page, 'Trusted sites');
    const entry = trusted.locator('li').filter({ hasText: rp.realm });
    expect(await entry.count()).toBe(1);
    const form = entry.locator('form[method="post"]');
    expect(await form.getAttribute('action')).toMatch(/^\/account\/trust\/[^/]+\/revoke$/);
    await navigation(page, () => form.getByRole('button', { name: 'Revoke', exact: true }).click());
    await shots.take(page);
    expect(page.url()).toBe(op.identifier(user));
    await expectOwnerView(page);
    expect(await section(page, 'Trusted sites').innerText()).not.toContain(rp.realm);
    // Still signed in, no longer trusted: the consent page again.
    await startSignIn(page, shots);
    await expectConsentPage(page);
    await decide(page, shots, 'allow_once');
    await expectSignedInAtRp(page);
  }, TIMEOUT);

  it('4. sign out everywhere: this browser and another one signed in before both land on the login page', async () => {
    const shots = new Screenshots('4-logout-everywhere');
    const otherShots = new Screenshots('4-other-browser');
    const other = await throwaway.newContext();
    try {
      // A second browser (say, the phone) signs in directly on the provider.
      const phone = await other.newPage();
      await phone.goto(`${op.base}/login`);
      await otherShots.take(phone);
      await expectLoginPage(phone, false);
      await submitLogin(phone, otherShots, { username: user, password: PASSWORD });
      expect(phone.url()).toBe(op.identifier(user));
      await expectOwnerView(phone);

      const page = await firstPage(mine!);
      await openIdentityPage(page, shots);
      await expectOwnerView(page);
      const form = page.locator('form[method="post"][action="/logout-everywhere"]');
      expect(await form.count()).toBe(1);
      await navigation(page, () => form.getByRole('button', { name: 'Sign out everywhere', exact: true }).click());
      await shots.take(page);
      await expectLoginPage(page, false);
      await startSignIn(page, shots);
      await expectLoginPage(page);

      // The other browser's session ended too.
      await openIdentityPage(phone, otherShots);
      await expectPublicView(phone);
      await startSignIn(phone, otherShots);
      await expectLoginPage(phone);
    } finally {
      await other.close();
    }
  }, TIMEOUT);

  it('4b. signing in again at an always-allowed RP: the login form leads straight back to the RP', async () => {
    const shots = new Screenshots('4b-trusted-after-sign-out');
    const page = await firstPage(mine!);
    await startSignIn(page, shots);
    await expectLoginPage(page);
    await submitLogin(page, shots, { password: PASSWORD });
    await expectConsentPage(page); // the grant was revoked in scenario 3
    await decide(page, shots, 'allow_always');
    await expectSignedInAtRp(page);
    await openIdentityPage(page, shots);
    await navigation(page, () => page.locator('form[action="/logout"]').getByRole('button', { name: 'Sign out', exact: true }).click());
    await shots.take(page);
    await expectLoginPage(page, false);
    // Trusted realm, signed out: after the password, the provider redirects (303) from the login
    // form's POST straight to the RP's return_to. The browser must follow it (CSP form-action).
    await startSignIn(page, shots);
    await expectLoginPage(page);
    await submitLogin(page, shots, { password: PASSWORD });
    await expectSignedInAtRp(page);
  }, TIMEOUT);

  it('5. throttling: repeated wrong passwords end in "Too many failed attempts"', async () => {
    const shots = new Screenshots('5-throttling');
    const victim = await newUser('bob');
    const context = await throwaway.newContext();
    try {
      const page = await context.newPage();
      await startSignIn(page, shots, victim);
      await expectLoginPage(page);
      const alerts: string[] = [];
      for (let attempt = 1; attempt <= 5; attempt++) {
        await submitLogin(page, shots, { password: `wrong password ${attempt}` });
        await expectLoginPage(page, false);
        alerts.push(await page.getByRole('alert').innerText());
        if (alerts.at(-1)!.startsWith('Too many failed attempts. Try again in')) break;
      }
      expect(alerts).toEqual(['Wrong username or password.', 'Wrong username or password.', expect.stringMatching(/^Too many failed attempts\. Try again in \d+ (seconds|minutes)\.$/)]);
      // Locked: even the right password is refused now.
      await submitLogin(page, shots, { password: PASSWORD });
      expect(await page.getByRole('alert').innerText()).toMatch(/^Too many failed attempts\. Try again in /);
      expect((await context.cookies(op.base)).map((c) => c.name)).not.toContain('__Host-op-session');
    } finally {
      await context.close();
    }
  }, TIMEOUT);

  it('6. accessibility: no serious or critical axe-core (WCAG 2 A/AA) violation on any page type', async () => {
    const shots = new Screenshots('6-accessibility');
    const name = await newUser('carol');
    const context = await throwaway.newContext();
    const problems: string[] = [];
    const check = async (label: string, page: Page): Promise<void> => {
      await shots.take(page);
      const found = await seriousA11yViolations(page);
      if (found.length > 0) problems.push(`${label} (${page.url()}):\n  ${found.join('\n  ')}`);
    };
    try {
      const page = await context.newPage();
      // Visitors see the public identity page (cacheable, Vary: Accept, Cookie).
      await page.goto(op.identifier(name));
      await expectPublicView(page);
      await check('identity page, public view', page);

      await page.goto(rp.signInUrl(op.identifier(name)));
      await expectLoginPage(page);
      await check('login page', page);
      await submitLogin(page, shots, { password: 'not the password' });
      expect(await page.getByRole('alert').innerText()).toBe('Wrong username or password.');
      await check('login page with an error', page);
      await submitLogin(page, shots, { password: PASSWORD });
      await expectConsentPage(page);
      await check('consent page', page);
      await decide(page, shots, 'allow_once');
      await expectSignedInAtRp(page, name);

      // The same browser, now signed in, sees the owner's view (not a cached public page).
      await page.goto(op.identifier(name));
      await expectOwnerView(page);
      await check('identity page, owner view', page);

      const expired = await page.goto(`${op.base}/consent?request=${randomBytes(24).toString('base64url')}`);
      expect(expired?.status()).toBe(400);
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign-in request expired');
      await check('error page (expired request)', page);
    } finally {
      await context.close();
    }
    if (problems.length > 0) throw new Error(`axe-core found serious or critical violations:\n\n${problems.join('\n\n')}`);
  }, TIMEOUT);
});
