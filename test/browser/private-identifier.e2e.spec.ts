import type { Page } from 'playwright-core';
import { UsersService } from '../../src/users/users.service.js';
import { LOOPBACK_RP_REALM, startProvider, type LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';
import { launchBrowser, requireChromium } from './chromium.js';
import { navigation, Screenshots, seriousA11yViolations } from './page-tools.js';
import { startBrowserRelyingParty, type BrowserRelyingParty } from './relying-party.js';

// A private identifier chosen in a real browser (headless Chromium, no script): the RP sends
// identifier_select (the OP identifier), the person picks "a private identifier for this site"
// on the consent page, and the RP (npm `openid`, which discovers what it receives) signs them in
// as {base}/openid/p/{opaque}. Screenshots in test-output/screenshots/private-identifier-<n>.png.

requireChromium();

const PASSWORD = 'parting is such sweet sorrow';

describe('a private identifier chosen in a real browser', () => {
  let op: LiveProvider;
  let rp: BrowserRelyingParty;
  let chromium: Awaited<ReturnType<typeof launchBrowser>>;
  let user: string;

  beforeAll(async () => {
    [op, rp, chromium] = await Promise.all([startProvider({ realm: LOOPBACK_RP_REALM }), startBrowserRelyingParty(), launchBrowser()]);
    user = uniqueName('rosaline');
    await op.app.get(UsersService).create({ domain: 'localhost', username: user, password: PASSWORD });
  });
  afterAll(async () => {
    await chromium?.browser.close().catch(() => undefined);
    await rp?.close();
    await op?.close();
  });

  async function signInPrivately(page: Page, shots: Screenshots): Promise<string> {
    await page.goto(rp.signInUrl(op.endpoint));
    await shots.take(page);
    if (new URL(page.url()).pathname === '/login') {
      await page.fill('input[name="username"]', user);
      await page.fill('input[name="password"]', PASSWORD);
      await navigation(page, () => page.getByRole('button', { name: 'Sign in' }).click());
      await shots.take(page);
    }
    expect(new URL(page.url()).pathname).toBe('/consent');
    expect(await seriousA11yViolations(page)).toEqual([]);
    // The person's own identifier is chosen unless they choose otherwise.
    expect(await page.isChecked('input[name="identifier"][value="public"]')).toBe(true);
    await page.getByLabel('A private identifier for this site only', { exact: false }).check();
    await shots.take(page);
    await navigation(page, () => page.locator('button[name="decision"][value="allow_once"]').click());
    await shots.take(page);
    expect(page.url().startsWith(`${rp.site.origin}/verify?`)).toBe(true);
    const status = await page.locator('#status').innerText();
    expect(status).toMatch(new RegExp(`^Signed in as ${op.base.replace(/[.]/g, '\\.')}/openid/p/[A-Za-z0-9_-]{43}$`));
    return status.slice('Signed in as '.length);
  }

  it('signs in to the RP with a private identifier, the same one next time, and its page names nobody', async () => {
    const shots = new Screenshots('private-identifier');
    const context = await chromium.newContext();
    try {
      const page = await context.newPage();
      const first = await signInPrivately(page, shots);
      expect(first).not.toContain(user);
      // Signed in already: straight to the consent page, the private identifier chosen as before.
      await page.goto(rp.signInUrl(op.endpoint));
      expect(await page.isChecked('input[name="identifier"][value="private"]')).toBe(true);
      await navigation(page, () => page.locator('button[name="decision"][value="allow_once"]').click());
      expect(await page.locator('#status').innerText()).toBe(`Signed in as ${first}`);
      // Its page, opened by its owner: the public discovery page, no account on it.
      await page.goto(first);
      await shots.take(page);
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Private OpenID identifier');
      expect(await page.content()).not.toContain(user);
      // The owner's identity page lists the site.
      await page.goto(op.identifier(user));
      await shots.take(page);
      const section = page.locator('section').filter({ has: page.getByRole('heading', { level: 2, name: 'Private identifiers', exact: true }) });
      expect(await section.locator('.realm').allInnerTexts()).toEqual([rp.realm]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
