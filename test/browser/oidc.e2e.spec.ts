import type { BrowserContext, ConsoleMessage, Page, Response } from 'playwright-core';
import { UsersService } from '../../src/users/users.service.js';
import { LOOPBACK_RP_REALM, startProvider, type LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';
import { launchBrowser, requireChromium } from './chromium.js';
import { startConnectRelyingParty, type ConnectRelyingParty } from './connect-relying-party.js';
import { NavigationLog, navigation, Screenshots, seriousA11yViolations } from './page-tools.js';
import { startBrowserRelyingParty, type BrowserRelyingParty } from './relying-party.js';

// OpenID Connect in a real browser (headless Chromium): a relying party site in this process
// (openid-client, a confidential client with client_secret_basic, code flow with PKCE) sends the
// browser to our /oidc/auth; the person signs in on our /login page and answers our consent
// page; the RP validates the ID token and shows the claims from userinfo. Every page seen is
// screenshotted to test-output/screenshots/oidc-<scenario>-<n>.png.

requireChromium(); // fails the suite, loudly, when /usr/bin/chromium is missing

const PASSWORD = 'correct horse battery staple';
const TIMEOUT = 30_000;
const FULL_NAME = 'Alice Liddell';
const NICKNAME = 'wonderland-ally';

describe('OpenID Connect sign-in with a real browser', () => {
  let op: LiveProvider;
  let rp: ConnectRelyingParty;
  let openid2: BrowserRelyingParty;
  let chromium: Awaited<ReturnType<typeof launchBrowser>>;
  /** The browser of scenarios 1-3. */
  let mine: BrowserContext | undefined;
  let user: string;
  let userId: string;

  beforeAll(async () => {
    [rp, openid2, chromium] = await Promise.all([startConnectRelyingParty(), startBrowserRelyingParty(), launchBrowser()]);
    // The RP's redirect_uri (its port) is known before the provider starts: it is configuration.
    op = await startProvider({ oidc: { clients: [rp.clientConfig] }, realm: LOOPBACK_RP_REALM });
    await rp.use(op.base);
    ({ name: user, id: userId } = await newUser('alice'));
  });

  afterAll(async () => {
    await mine?.close().catch(() => undefined);
    await chromium?.browser.close().catch(() => undefined);
    await rp?.close();
    await openid2?.close();
    await op?.close();
  });

  async function newUser(prefix: string): Promise<{ name: string; id: string }> {
    const name = uniqueName(prefix);
    const users = op.app.get(UsersService);
    const { id } = await users.create({ domain: 'localhost', username: name, password: PASSWORD, fullname: FULL_NAME, nickname: NICKNAME });
    // The nickname is released by default (pre-ticked), the full name is not: the test flips both.
    await users.setReleaseDefaults('localhost', name, ['nickname']);
    return { name, id };
  }

  /**
   * What the browser sees of our pages: the CSP of every document we serve, and every console
   * message while on them (a CSP violation is logged there, as is a failed form submission).
   */
  function watchProvider(page: Page): { csp: Map<string, string>; console: string[]; stop(): void } {
    const csp = new Map<string, string>();
    const logged: string[] = [];
    const onResponse = (response: Response): void => {
      const request = response.request();
      if (!request.isNavigationRequest() || request.frame() !== page.mainFrame() || !response.url().startsWith(`${op.base}/`) || response.status() !== 200) return;
      csp.set(new URL(response.url()).pathname, response.headers()['content-security-policy'] ?? '');
    };
    const onConsole = (message: ConsoleMessage): void => {
      if (message.type() === 'error' || message.text().includes('Content Security Policy')) logged.push(`${page.url()}: [console.${message.type()}] ${message.text()}`);
    };
    page.on('response', onResponse);
    page.on('console', onConsole);
    return {
      csp,
      console: logged,
      stop: () => {
        page.off('response', onResponse);
        page.off('console', onConsole);
      },
    };
  }

  async function startSignIn(page: Page, shots: Screenshots): Promise<void> {
    await page.goto(rp.signInUrl);
    await shots.take(page);
  }

  async function expectLoginPage(page: Page): Promise<void> {
    const url = new URL(page.url());
    expect(url.origin).toBe(op.base);
    expect(url.pathname).toBe('/login');
    // The OpenID Connect interaction this sign-in continues (oidc-provider's uid).
    expect(url.searchParams.get('interaction')).toMatch(/^[A-Za-z0-9_-]+$/);
    await expect.poll(() => page.locator('form[method="post"] input[name="password"]').count()).toBe(1);
  }

  async function signIn(page: Page, shots: Screenshots, name: string): Promise<void> {
    await page.fill('input[name="username"]', name);
    await page.fill('input[name="password"]', PASSWORD);
    await navigation(page, () => page.getByRole('button', { name: 'Sign in' }).click());
    await shots.take(page);
  }

  async function expectConsentPage(page: Page): Promise<void> {
    const url = new URL(page.url());
    expect(url.origin).toBe(op.base);
    expect(url.pathname).toMatch(/^\/oidc\/interaction\/[A-Za-z0-9_-]+$/);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign in to this application?');
    expect(await page.locator('p.realm').innerText()).toBe(rp.clientName);
    expect(await page.locator('p.meta code').innerText()).toBe(rp.clientId);
    for (const value of ['allow_once', 'allow_always', 'deny']) expect(await page.locator(`button[name="decision"][value="${value}"]`).count()).toBe(1);
  }

  const release = (page: Page, field: string) => page.locator(`input[type="checkbox"][name="release"][value="${field}"]`);

  async function decide(page: Page, shots: Screenshots, decision: 'allow_once' | 'allow_always'): Promise<void> {
    await navigation(page, () => page.locator(`button[name="decision"][value="${decision}"]`).click());
    await shots.take(page);
  }

  /** Back at the RP, which validated the ID token: `sub`, the full name released, the nickname not. */
  async function expectSignedInAtRp(page: Page, id = userId): Promise<void> {
    expect(page.url().startsWith(`${rp.redirectUri}?`), page.url()).toBe(true);
    expect(await page.locator('#status').innerText()).toBe(`Signed in as ${id}`);
    expect(await page.locator('#issuer').innerText()).toBe(op.base);
    const claims = await page.locator('#claims li').allInnerTexts();
    expect(claims).toEqual(expect.arrayContaining([`sub: ${id}`, `name: ${FULL_NAME}`]));
    expect(claims.join('\n')).not.toContain('nickname');
    expect(claims.join('\n')).not.toContain(NICKNAME);
  }

  function trustedEntry(page: Page) {
    const trusted = page.locator('section').filter({ has: page.getByRole('heading', { level: 2, name: 'Trusted sites', exact: true }) });
    return trusted.locator('li').filter({ hasText: `${rp.clientId} (OpenID Connect)` });
  }

  it('1. first sign-in: RP → /oidc/auth → /login (password) → consent (client name, fields) "Always allow" → RP shows the validated claims', async () => {
    const shots = new Screenshots('oidc-1-first-sign-in');
    mine = await chromium.newContext();
    const page = await mine.newPage();
    const seen = watchProvider(page);
    const log = new NavigationLog(page);
    await startSignIn(page, shots);
    log.stop();
    // The RP sent the browser to our authorization endpoint, with PKCE (RFC 7636 §4.3).
    const auth = log.responses.find((r) => r.url.startsWith(`${op.base}/oidc/auth?`));
    expect(auth, JSON.stringify(log.responses, null, 2)).toBeDefined();
    const asked = new URL(auth!.url).searchParams;
    expect({ client_id: asked.get('client_id'), response_type: asked.get('response_type'), code_challenge_method: asked.get('code_challenge_method'), redirect_uri: asked.get('redirect_uri') }).toEqual({
      client_id: rp.clientId,
      response_type: 'code',
      code_challenge_method: 'S256',
      redirect_uri: rp.redirectUri,
    });
    await expectLoginPage(page);
    // Our pages of a Connect sign-in pass axe-core (WCAG 2 A/AA) like the OpenID 2.0 ones (people.e2e scenario 6).
    expect(await seriousA11yViolations(page), 'login page of an interaction').toEqual([]);
    await signIn(page, shots, user);
    await expectConsentPage(page);
    expect(await seriousA11yViolations(page), 'Connect consent page').toEqual([]);
    expect(await page.locator('fieldset').first().innerText()).toContain('(profile)');
    // The person's choices: tick the full name (not a default), untick the nickname (a default).
    expect(await release(page, 'fullname').isChecked()).toBe(false);
    expect(await release(page, 'nickname').isChecked()).toBe(true);
    expect(await page.locator('label.check').filter({ has: release(page, 'fullname') }).innerText()).toContain(FULL_NAME);
    await release(page, 'fullname').check();
    await release(page, 'nickname').uncheck();
    await shots.take(page);
    await decide(page, shots, 'allow_always');
    seen.stop();
    await expectSignedInAtRp(page);

    // Our pages as the browser got them: no framing (CSP Level 2 §7.7 frame-ancestors), and
    // nothing refused by their CSP (the consent form's redirect chain to the RP included: CSP
    // Level 2 §7.6 form-action names the redirect_uri's origin).
    expect([...seen.csp.keys()]).toEqual(['/login', expect.stringMatching(/^\/oidc\/interaction\//)]);
    for (const [path, policy] of seen.csp) {
      expect(policy, path).toContain("frame-ancestors 'none'");
      expect(policy, path).toContain("default-src 'none'");
    }
    expect(seen.csp.get([...seen.csp.keys()][1]!)).toMatch(new RegExp(`form-action [^;]*${rp.site.origin.replace(/[.]/g, '\\.')}`));
    expect(seen.console).toEqual([]);
  }, TIMEOUT);

  it('2. second sign-in at the same RP: session + "Always allow" answer by themselves, no provider page is shown', async () => {
    const shots = new Screenshots('oidc-2-silent');
    const page = await mine!.newPage();
    const log = new NavigationLog(page);
    await startSignIn(page, shots);
    log.stop();
    await expectSignedInAtRp(page); // the grant kept the person's choice of fields
    const fromOp = log.responses.filter((r) => r.url.startsWith(`${op.base}/`));
    expect(fromOp.length, JSON.stringify(log.responses, null, 2)).toBeGreaterThan(0);
    for (const r of fromOp) expect([302, 303], `${r.url} answered ${r.status} ${r.contentType}`).toContain(r.status);
    expect(log.committed, 'main-frame documents shown').toEqual([expect.stringMatching(new RegExp(`^${rp.redirectUri}\\?`))]);
  }, TIMEOUT);

  it('3. the identity page lists the client as an OpenID Connect site; "Revoke" there brings the consent page back', async () => {
    const shots = new Screenshots('oidc-3-revoke');
    const page = await mine!.newPage();
    await page.goto(op.identifier(user));
    await shots.take(page);
    const entry = trustedEntry(page);
    expect(await entry.count()).toBe(1);
    expect(await entry.innerText()).toContain('Shares: ');
    const form = entry.locator('form[method="post"]');
    expect(await form.getAttribute('action')).toMatch(/^\/account\/trust\/[^/]+\/revoke$/);
    await navigation(page, () => form.getByRole('button', { name: 'Revoke', exact: true }).click());
    await shots.take(page);
    expect(page.url()).toBe(op.identifier(user));
    expect(await trustedEntry(page).count()).toBe(0);

    // Still signed in (no /login), no longer trusted: the consent page again.
    await startSignIn(page, shots);
    await expectConsentPage(page);
    await release(page, 'fullname').check();
    await release(page, 'nickname').uncheck();
    await decide(page, shots, 'allow_once');
    await expectSignedInAtRp(page);
  }, TIMEOUT);

  it('4. one sign-in serves both protocols: after the Connect sign-in, the OpenID 2.0 RP needs no password', async () => {
    const shots = new Screenshots('oidc-4-both-protocols');
    const person = await newUser('bob');
    const context = await chromium.newContext();
    try {
      const page = await context.newPage();
      await startSignIn(page, shots);
      await expectLoginPage(page);
      await signIn(page, shots, person.name);
      await expectConsentPage(page);
      await release(page, 'fullname').check();
      await release(page, 'nickname').uncheck();
      await decide(page, shots, 'allow_once');
      await expectSignedInAtRp(page, person.id);

      // The same browser at an OpenID 2.0 RP: our session already says who this is.
      await page.goto(openid2.signInUrl(op.identifier(person.name)));
      await shots.take(page);
      const url = new URL(page.url());
      expect(`${url.origin}${url.pathname}`).toBe(`${op.base}/consent`);
      expect(await page.locator('p.realm').innerText()).toBe(openid2.realm);
      await decide(page, shots, 'allow_once');
      expect(page.url().startsWith(`${openid2.site.origin}/verify?`)).toBe(true);
      expect(await page.locator('#status').innerText()).toBe(`Signed in as ${op.identifier(person.name)}`);
    } finally {
      await context.close();
    }
  }, TIMEOUT);
});
