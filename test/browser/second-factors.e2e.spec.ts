import { generateSync } from 'otplib';
import type { ConsoleMessage, Page } from 'playwright-core';
import { UsersService } from '../../src/users/users.service.js';
import { startProvider, type LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';
import { launchBrowser, requireChromium } from './chromium.js';
import { navigation, Screenshots, seriousA11yViolations } from './page-tools.js';

// Second factors in a real browser (issue 13): the identity page's "Add an authenticator app",
// the key URI and its QR code as Chromium renders them under our CSP (no script), the first code,
// the recovery codes, then a sign-in that asks for the code. Screenshots in
// test-output/screenshots/second-factors-<n>.png.

requireChromium();

const PASSWORD = 'correct horse battery staple';

describe('second factors in a real browser', () => {
  let op: LiveProvider;
  let chromium: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    [op, chromium] = await Promise.all([startProvider(), launchBrowser()]);
  });
  afterAll(async () => {
    await chromium?.browser.close().catch(() => undefined);
    await op?.close();
  });

  async function signIn(page: Page, shots: Screenshots, name: string): Promise<void> {
    await page.goto(`${op.base}/login`);
    await page.fill('input[name="username"]', name);
    await page.fill('input[name="password"]', PASSWORD);
    await navigation(page, () => page.getByRole('button', { name: 'Sign in' }).click());
    await shots.take(page);
  }

  it('adds an authenticator app from the identity page, then signs in with its code', async () => {
    const name = uniqueName('nerissa');
    await op.app.get(UsersService).create({ domain: 'localhost', username: name, password: PASSWORD });
    const context = await chromium.newContext();
    const page = await context.newPage();
    const logged: string[] = [];
    page.on('console', (m: ConsoleMessage) => void (m.type() === 'error' || m.text().includes('Content Security Policy') ? logged.push(`${page.url()}: ${m.text()}`) : undefined));
    const shots = new Screenshots('second-factors');
    try {
      await signIn(page, shots, name);
      expect(page.url()).toBe(op.identifier(name));
      await navigation(page, () => page.getByRole('button', { name: 'Add an authenticator app' }).click());
      await shots.take(page);
      expect(new URL(page.url()).pathname).toMatch(/^\/account\/factors\/totp\/[0-9a-f-]{36}$/);
      // The QR code is drawn (an inline SVG, no script, no image request) and big enough to scan.
      const qr = page.getByRole('img', { name: 'QR code of the key' });
      const box = (await qr.locator('svg').boundingBox())!;
      expect(box.width).toBeGreaterThanOrEqual(120);
      expect(box.height).toBeGreaterThanOrEqual(120);
      const uri = await page.locator('code.otpauth').innerText();
      expect(uri).toMatch(/^otpauth:\/\/totp\//);
      const secret = new URL(uri).searchParams.get('secret')!;
      expect(await seriousA11yViolations(page)).toEqual([]);
      // The code of the step before (the sign-in below takes the current one).
      await page.fill('input[name="code"]', generateSync({ secret, epoch: Math.floor(Date.now() / 1000) - 30 }));
      await navigation(page, () => page.getByRole('button', { name: 'Confirm' }).click());
      await shots.take(page);
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Your recovery codes');
      expect(await page.locator('ul.recovery-codes li').count()).toBe(10);
      await page.goto(op.identifier(name));
      await navigation(page, () => page.getByRole('button', { name: 'Sign out', exact: true }).click());

      await signIn(page, shots, name);
      expect(new URL(page.url()).pathname).toBe('/login/code');
      expect(await seriousA11yViolations(page)).toEqual([]);
      await page.fill('input[name="code"]', generateSync({ secret }));
      await navigation(page, () => page.getByRole('button', { name: 'Continue' }).click());
      await shots.take(page);
      expect(page.url()).toBe(op.identifier(name));
      expect(await page.getByRole('heading', { level: 2, name: 'Second factor' }).count()).toBe(1);
      expect(logged).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
