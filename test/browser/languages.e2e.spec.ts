import { randomBytes } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { translate } from '../../src/i18n/locale.js';
import type { Language } from '../../src/i18n/languages.js';
import { UsersService } from '../../src/users/users.service.js';
import { startProvider, type LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';
import { CHROMIUM_CONTEXT_OPTIONS, launchBrowser, requireChromium } from './chromium.js';
import { navigation, Screenshots, seriousA11yViolations } from './page-tools.js';
import { startBrowserRelyingParty, type BrowserRelyingParty } from './relying-party.js';

// Issue 13 point 5 and 7 ("the three languages rendered, axe clean in each"; "a German browser
// gets German pages"): a real Chromium whose language is English, German or French signs in at
// a real `openid` RP; every page it meets speaks that language, says so in <html lang>, and has
// no serious or critical axe-core violation. Then the switcher: an English browser picks
// German on the login page and keeps it through the sign-in.

requireChromium();

const PASSWORD = 'correct horse battery staple';
const TIMEOUT = 60_000;
/** The browsers' time zone: dates on the pages are in it, not in the server's UTC. */
const ZONE = 'Asia/Tokyo';
const BROWSER_LOCALES: Readonly<Record<Language, string>> = { en: 'en-GB', de: 'de-DE', fr: 'fr-FR' };

describe('pages in the visitor’s language, in a real browser', () => {
  let op: LiveProvider;
  let rp: BrowserRelyingParty;
  let chromium: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    [op, rp, chromium] = await Promise.all([startProvider(), startBrowserRelyingParty(), launchBrowser()]);
  });
  afterAll(async () => {
    await chromium?.browser.close().catch(() => undefined);
    await rp?.close();
    await op?.close();
  });

  async function newUser(): Promise<string> {
    const name = uniqueName('lang');
    await op.app.get(UsersService).create({ domain: 'localhost', username: name, password: PASSWORD });
    return name;
  }

  function context(locale: string): Promise<BrowserContext> {
    // Chromium's locale sets its Accept-Language (and navigator.language).
    return chromium.browser.newContext({ ...CHROMIUM_CONTEXT_OPTIONS, locale, timezoneId: ZONE });
  }

  async function expectLanguage(page: Page, lang: Language, problems: string[], label: string): Promise<void> {
    expect(await page.getAttribute('html', 'lang'), label).toBe(lang);
    const found = await seriousA11yViolations(page);
    if (found.length > 0) problems.push(`${lang} ${label} (${page.url()}):\n  ${found.join('\n  ')}`);
  }

  for (const lang of ['en', 'de', 'fr'] as const) {
    it(`${lang}: login, a wrong password, consent, the RP, the identity page and an error page`, async () => {
      const t = (key: string, vars?: Record<string, unknown>) => translate(lang, key, vars);
      const shots = new Screenshots(`languages-${lang}`);
      const name = await newUser();
      const browser = await context(BROWSER_LOCALES[lang]);
      const problems: string[] = [];
      try {
        const page = await browser.newPage();
        await page.goto(rp.signInUrl(op.identifier(name)));
        await shots.take(page);
        expect(new URL(page.url()).pathname).toBe('/login');
        expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(t('login.heading', { domain: 'localhost' }));
        await expectLanguage(page, lang, problems, 'login page');

        await page.fill('input[name="password"]', 'not the password');
        await navigation(page, () => page.getByRole('button', { name: t('login.sign_in'), exact: true }).click());
        await shots.take(page);
        expect(await page.getByRole('alert').innerText()).toBe(t('login.errors.invalid_credentials'));
        await expectLanguage(page, lang, problems, 'login page with an error');

        await page.fill('input[name="password"]', PASSWORD);
        await navigation(page, () => page.getByRole('button', { name: t('login.sign_in'), exact: true }).click());
        await shots.take(page);
        expect(new URL(page.url()).pathname).toBe('/consent');
        expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(t('consent.heading'));
        await expectLanguage(page, lang, problems, 'consent page');

        await navigation(page, () => page.getByRole('button', { name: t('consent.decision.allow_once'), exact: true }).click());
        expect(await page.locator('#status').innerText()).toBe(`Signed in as ${op.identifier(name)}`);

        await page.goto(op.identifier(name));
        await shots.take(page);
        expect(await page.getByRole('heading', { level: 2, name: t('account.sessions.heading'), exact: true }).count()).toBe(1);
        // The session's date in the page's language and the browser's time zone: shown by
        // /assets/time-zone.js on this first page with dates, by the server once the cookie came.
        const when = page.locator('time').first();
        const at = String(await when.getAttribute('datetime'));
        const options = { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: ZONE, timeZoneName: 'short' } as const;
        // Each side formats with its own ICU: the browser's for the script, Node's for the server.
        const inBrowser = await page.evaluate(([l, iso, o]) => new Intl.DateTimeFormat(l, o).format(new Date(iso)), [lang, at, options] as const);
        await expect.poll(() => when.innerText()).toBe(inBrowser);
        await page.reload();
        expect(await page.locator('time').first().getAttribute('data-local')).toBeNull();
        expect(await page.locator('time').first().innerText()).toBe(new Intl.DateTimeFormat(lang, options).format(new Date(at)));
        await expectLanguage(page, lang, problems, 'identity page, owner view');

        const expired = await page.goto(`${op.base}/consent?request=${randomBytes(24).toString('base64url')}`);
        expect(expired?.status()).toBe(400);
        expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(t('errors.request_expired.title'));
        await expectLanguage(page, lang, problems, 'error page');
      } finally {
        await browser.close();
      }
      if (problems.length > 0) throw new Error(`axe-core found serious or critical violations:\n\n${problems.join('\n\n')}`);
    }, TIMEOUT);
  }

  it('the switcher: an English browser picks Deutsch on the login page and keeps it through the sign-in', async () => {
    const shots = new Screenshots('languages-switcher');
    const name = await newUser();
    const browser = await context('en-GB');
    try {
      const page = await browser.newPage();
      await page.goto(rp.signInUrl(op.identifier(name)));
      const request = new URL(page.url()).searchParams.get('request');
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      await navigation(page, () => page.getByRole('link', { name: 'Deutsch' }).click());
      await shots.take(page);
      // Back on the same sign-in request, now in German.
      expect(new URL(page.url()).pathname).toBe('/login');
      expect(new URL(page.url()).searchParams.get('request')).toBe(request);
      expect(await page.getAttribute('html', 'lang')).toBe('de');
      await page.fill('input[name="password"]', PASSWORD);
      await navigation(page, () => page.getByRole('button', { name: translate('de', 'login.sign_in'), exact: true }).click());
      await shots.take(page);
      expect(await page.getAttribute('html', 'lang')).toBe('de');
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(translate('de', 'consent.heading'));
      const cookie = (await browser.cookies(op.base)).find((c) => c.name === '__Host-lang');
      expect(cookie).toMatchObject({ value: 'de', secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
    } finally {
      await browser.close();
    }
  }, TIMEOUT);
});
