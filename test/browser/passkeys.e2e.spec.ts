import type { BrowserContext, CDPSession, ConsoleMessage, Page } from 'playwright-core';
import { UsersService } from '../../src/users/users.service.js';
import { LOOPBACK_RP_REALM, startProvider, type LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';
import { launchBrowser, requireChromium } from './chromium.js';
import { startConnectRelyingParty, type ConnectRelyingParty } from './connect-relying-party.js';
import { navigation, Screenshots, seriousA11yViolations } from './page-tools.js';
import { startBrowserRelyingParty, type BrowserRelyingParty } from './relying-party.js';

// Passkeys in a real browser (issue 13 point 7): Chromium with its virtual authenticator (CDP
// WebAuthn domain: CTAP2, internal transport, resident keys, user verification), our pages and
// their script under our CSP. One person, one browser, one authenticator:
//   1. adds a passkey on the identity page (after the password), gets recovery codes;
//   2. signs in at an OpenID 2.0 RP (the npm `openid` library, PAPE) with password + passkey:
//      auth_policies says phishing-resistant and multi-factor;
//   3. signs in at the RP with the passkey alone (identifier_select, the request= parameter kept);
//   4. signed in with password + recovery code, is asked for the passkey by an RP that wants
//      phishing-resistant (the step-up), then gets it;
//   5. signs in over OpenID Connect (openid-client) with the passkey alone: amr has hwk;
//   6. having chosen German, tries to add the same authenticator again: the script says why it did not
//      go through in German (its words come from the page, src/http/passkey-status.ts).
// Screenshots in test-output/screenshots/passkeys-<n>.png.

requireChromium();

const PASSWORD = 'correct horse battery staple';
const TIMEOUT = 20_000;

describe('passkeys in a real browser', () => {
  let op: LiveProvider;
  let rp: BrowserRelyingParty;
  let strict: BrowserRelyingParty;
  let connect: ConnectRelyingParty;
  let chromium: Awaited<ReturnType<typeof launchBrowser>>;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let name: string;
  let recovery: string[] = [];
  const logged: string[] = [];
  const shots = new Screenshots('passkeys');

  beforeAll(async () => {
    [rp, strict, connect, chromium] = await Promise.all([
      // PAPE 1.0 §5.1 with no policy asked: the assertion says what the sign-in met.
      startBrowserRelyingParty({ pape: { max_auth_age: 3600 } }),
      startBrowserRelyingParty({ pape: { preferred_auth_policies: 'phishing-resistant' } }),
      startConnectRelyingParty('passkey-rp', 'Passkey Test App'),
      launchBrowser(),
    ]);
    op = await startProvider({ oidc: { clients: [connect.clientConfig] }, realm: LOOPBACK_RP_REALM });
    await connect.use(op.base);
    name = uniqueName('perdita');
    await op.app.get(UsersService).create({ domain: 'localhost', username: name, password: PASSWORD });
    context = await chromium.newContext();
    page = await context.newPage();
    page.on('console', (m: ConsoleMessage) => void (m.type() === 'error' || m.text().includes('Content Security Policy') ? logged.push(`${page.url()}: ${m.text()}`) : undefined));
    // The virtual authenticator (Chrome DevTools Protocol, WebAuthn domain): a platform
    // authenticator that keeps discoverable credentials and verifies its user (as a fingerprint
    // reader would), answering every ceremony at once.
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    }));
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await chromium?.browser.close().catch(() => undefined);
    await Promise.all([rp?.close(), strict?.close(), connect?.close()]);
    await op?.close();
  });

  async function signInWithPassword(): Promise<void> {
    await page.fill('input[name="username"]', name);
    await page.fill('input[name="password"]', PASSWORD);
    await navigation(page, () => page.getByRole('button', { name: 'Sign in', exact: true }).click());
    await shots.take(page);
  }

  async function signOut(): Promise<void> {
    await page.goto(op.identifier(name));
    await navigation(page, () => page.locator('form[action="/logout"]').getByRole('button', { name: 'Sign out', exact: true }).click());
  }

  /** Clicks a passkey button: the script fetches the options, the authenticator answers, the answer is posted. */
  async function usePasskey(button: string): Promise<void> {
    const control = page.getByRole('button', { name: button });
    await control.waitFor({ state: 'visible', timeout: TIMEOUT });
    await navigation(page, () => control.click(), TIMEOUT);
    await shots.take(page);
  }

  async function allowOnce(): Promise<void> {
    expect(new URL(page.url()).pathname).toBe('/consent');
    await navigation(page, () => page.locator('button[name="decision"][value="allow_once"]').click());
    await shots.take(page);
  }

  async function expectAtRp(site: BrowserRelyingParty, policies: string[]): Promise<void> {
    expect(page.url().startsWith(`${site.site.origin}/verify?`), page.url()).toBe(true);
    expect(await page.locator('#status').innerText()).toBe(`Signed in as ${op.identifier(name)}`);
    const said = (await page.locator('#auth-policies').innerText()).split(' ');
    expect(said.sort()).toEqual([...policies].sort());
  }

  it('1. adds a passkey on the identity page (a name, then the authenticator), with recovery codes; no CSP complaint, no serious a11y violation', async () => {
    await page.goto(`${op.base}/login`);
    await signInWithPassword();
    expect(page.url()).toBe(op.identifier(name));
    await navigation(page, () => page.getByRole('button', { name: 'Add a passkey' }).click());
    await shots.take(page);
    expect(new URL(page.url()).pathname).toBe('/account/factors/passkey');
    expect(await seriousA11yViolations(page)).toEqual([]);
    // The script shows the button (WebAuthn is there) and hides the "needs a browser that…" note.
    await page.getByRole('button', { name: 'Create the passkey' }).waitFor({ state: 'visible' });
    expect(await page.locator('[data-webauthn-unsupported]').isHidden()).toBe(true);
    await page.fill('input[name="name"]', 'Chromium passkey');
    await usePasskey('Create the passkey');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Your recovery codes');
    recovery = await page.locator('ul.recovery-codes li').allInnerTexts();
    expect(recovery).toHaveLength(10);
    // A discoverable credential (residentKey preferred, and the authenticator has resident keys).
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    expect(credentials[0]!.rpId).toBe('localhost');
    await page.goto(op.identifier(name));
    await shots.take(page);
    expect(await page.locator('li.passkey').innerText()).toContain('Chromium passkey');
    expect(logged).toEqual([]);
  });

  it('2. signs in at an OpenID 2.0 RP with password + passkey: PAPE auth_policies phishing-resistant and multi-factor', async () => {
    await signOut();
    await page.goto(rp.signInUrl(op.identifier(name)));
    expect(new URL(page.url()).pathname).toBe('/login');
    await signInWithPassword();
    const code = new URL(page.url());
    expect(code.pathname).toBe('/login/code');
    expect(code.searchParams.get('request')).toMatch(/.+/);
    // DESIGN.md: the code form stays, beside "Use a passkey".
    expect(await page.locator('input[name="code"]').count()).toBe(1);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await usePasskey('Use a passkey');
    await allowOnce();
    await expectAtRp(rp, ['phishing-resistant', 'multi-factor']);
    expect(logged).toEqual([]);
  });

  it('3. signs in at the RP with the passkey alone (identifier_select; the parked request goes on)', async () => {
    await signOut();
    await page.goto(rp.signInUrl(op.endpoint));
    const login = new URL(page.url());
    expect(login.pathname).toBe('/login');
    expect(login.searchParams.get('request')).toMatch(/.+/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await usePasskey('Use a passkey instead');
    await allowOnce();
    await expectAtRp(rp, ['phishing-resistant', 'multi-factor']);
    expect(logged).toEqual([]);
  });

  it('4. an RP asking for phishing-resistant steps up a password + recovery code session to the passkey', async () => {
    await signOut();
    await page.goto(`${op.base}/login`);
    await signInWithPassword();
    await page.fill('input[name="code"]', recovery[0]!);
    await navigation(page, () => page.getByRole('button', { name: 'Continue' }).click());
    expect(page.url()).toBe(op.identifier(name));
    // PAPE preferred_auth_policies phishing-resistant, of a session that used no passkey: the code page again, asking for it.
    await page.goto(strict.signInUrl(op.identifier(name)));
    await shots.take(page);
    const stepUp = new URL(page.url());
    expect(stepUp.pathname).toBe('/login/code');
    expect(stepUp.searchParams.get('want')).toBe('passkey');
    expect(await page.locator('p.notice').first().innerText()).toContain('asks for a passkey');
    await usePasskey('Use a passkey');
    await allowOnce();
    await expectAtRp(strict, ['phishing-resistant', 'multi-factor']);
    expect(logged).toEqual([]);
  });

  it('5. signs in over OpenID Connect with the passkey alone: the ID token says amr hwk and mfa, acr phishing-resistant', async () => {
    await signOut();
    await page.goto(connect.signInUrl);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('interaction')).toMatch(/^[A-Za-z0-9_-]+$/);
    await usePasskey('Use a passkey instead');
    expect(new URL(page.url()).pathname).toMatch(/^\/oidc\/interaction\//);
    await navigation(page, () => page.locator('button[name="decision"][value="allow_once"]').click());
    await shots.take(page);
    expect(page.url().startsWith(`${connect.redirectUri}?`), page.url()).toBe(true);
    expect(await page.locator('#status').innerText()).toMatch(/^Signed in as /);
    expect(JSON.parse(await page.locator('#amr').innerText())).toEqual(['hwk', 'mfa']);
    expect(await page.locator('#acr').innerText()).toBe('http://schemas.openid.net/pape/policies/2007/06/phishing-resistant');
    expect(logged).toEqual([]);
  });

  it('6. in German: the same authenticator again is refused by the browser (excludeCredentials), and the page says so in German', async () => {
    // Signed in a moment ago (5.): recent enough to add a factor. German from the switcher.
    await page.goto(op.identifier(name));
    await navigation(page, () => page.locator('footer.site').getByRole('link', { name: 'Deutsch' }).click());
    expect(page.url()).toBe(op.identifier(name));
    expect(await page.locator('html').getAttribute('lang')).toBe('de');
    await navigation(page, () => page.getByRole('button', { name: 'Passkey hinzufügen' }).click());
    expect(new URL(page.url()).pathname).toBe('/account/factors/passkey');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Passkey hinzufügen');
    const create = page.getByRole('button', { name: 'Passkey erstellen' });
    await create.waitFor({ state: 'visible', timeout: TIMEOUT });
    await create.click();
    // WebAuthn L3 §5.4 excludeCredentials: the authenticator holds one already; InvalidStateError.
    const status = page.locator('[data-webauthn-status]');
    await status.waitFor({ state: 'visible', timeout: TIMEOUT });
    await shots.take(page);
    expect(await status.innerText()).toBe('Dieser Passkey ist bereits hinzugefügt.');
    expect(new URL(page.url()).pathname).toBe('/account/factors/passkey');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(logged).toEqual([]);
  });
});
