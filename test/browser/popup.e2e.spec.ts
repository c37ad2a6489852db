import type { ServerResponse } from 'node:http';
import { crc32, deflateSync } from 'node:zlib';
import openid from 'openid';
import type { BrowserContext, Page } from 'playwright-core';
import { UsersService } from '../../src/users/users.service.js';
import { LOOPBACK_RP_REALM, startProvider, startRelyingPartySite, type LiveProvider, type RelyingPartySite } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';
import { launchBrowser, requireChromium } from './chromium.js';
import { navigation, Screenshots, seriousA11yViolations } from './page-tools.js';

// OpenID User Interface Extension 1.0 in a real browser (headless Chromium): a relying party page
// opens the sign-in in a popup window (window.open, 450×500, §5) asking for openid.ui.mode=popup
// and openid.ui.icon=true (§6). The provider answers in its compact layout; the answer goes to
// return_to in the popup, unchanged from OpenID 2.0 (§5), where the RP's page hands it to the
// window that opened it and closes the popup. The RP publishes its icon in its XRDS (§6); the
// provider shows it from its own origin, and never a hostile one.

requireChromium();

const PASSWORD = 'correct horse battery staple';
const TIMEOUT = 45_000;
const NS_UI = 'http://specs.openid.net/extensions/ui/1.0';

/** A PNG of `size`×`size` pixels, one colour, plus `padding` bytes in a private ancillary chunk. */
function png(size: number, padding = 0): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.concat(Array.from({ length: size }, () => Buffer.concat([Buffer.from([0]), Buffer.alloc(size * 3, 0x40)])));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(padding > 0 ? [chunk('prVt', Buffer.alloc(padding, 0x20))] : []),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const GOOD_ICON = png(16);
const SVG_ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><script>alert(1)</script><rect width="16" height="16"/></svg>';

type Icon = { contentType: string; body: Buffer | string };

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface PopupRelyingParty {
  site: RelyingPartySite;
  realm: string;
  /** Requests the site received for its icon. */
  iconRequests: number;
}

/**
 * The relying party: /start opens /login in a popup; /login → the provider (checkid_setup with
 * the UI extension); /verify (return_to, in the popup) verifies the assertion, hands the result
 * to window.opener and closes the popup. Its XRDS at / lists its return_to and its icon (§6).
 */
async function startPopupRelyingParty(identifier: string, icon: Icon): Promise<PopupRelyingParty> {
  const site = await startRelyingPartySite();
  const realm = `${site.origin}/`;
  const ui = new (openid as unknown as { UserInterface: new (options: Record<string, string>) => never }).UserInterface({ mode: 'popup', icon: 'true', lang: 'fr-CA,en' });
  const rp = new openid.RelyingParty(`${site.origin}/verify`, realm, false, false, [ui]);
  const state: PopupRelyingParty = { site, realm, iconRequests: 0 };
  const html = (res: ServerResponse, body: string): void => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>RP</title></head><body>${body}</body></html>`);
  };

  site.routes.set('/', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xrds+xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>
<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD>
<Service><Type>http://specs.openid.net/auth/2.0/return_to</Type><URI>${site.origin}/verify</URI></Service>
<Service><Type>http://specs.openid.net/extensions/ui/icon</Type><URI>${site.origin}/icon</URI></Service>
</XRD></xrds:XRDS>`);
  });
  site.routes.set('/icon', (_req, res) => {
    state.iconRequests++;
    res.writeHead(200, { 'content-type': icon.contentType }).end(icon.body);
  });
  // §5: 450×500, a standalone window with its address bar; the RP watches for it closing.
  site.routes.set('/start', (_req, res) =>
    html(
      res,
      `<button id="go" type="button">Sign in</button><p id="result">waiting</p>
<script>
document.getElementById('go').addEventListener('click', function () {
  var popup = window.open('/login?identifier=${encodeURIComponent(identifier)}', 'openid', 'width=450,height=500');
  var timer = setInterval(function () {
    if (!popup.closed) return;
    clearInterval(timer);
    var result = document.getElementById('result');
    if (result.textContent === 'waiting') result.textContent = 'popup closed without an answer';
  }, 100);
});
window.addEventListener('message', function (event) {
  if (event.origin === location.origin) document.getElementById('result').textContent = event.data;
});
</script>`,
    ),
  );
  site.routes.set('/login', (_req, res) => {
    rp.authenticate(identifier, false, (error, url) => {
      if (error || !url) return html(res, `<p id="status">Not signed in: ${escapeHtml(error?.message ?? 'no provider URL')}</p>`);
      res.writeHead(302, { location: url, 'cache-control': 'no-store' }).end();
    });
  });
  site.routes.set('/verify', (req, res) => {
    rp.verifyAssertion(`${site.origin}${req.url ?? '/'}`, (error, result) => {
      const claimed = (result as { authenticated?: boolean; claimedIdentifier?: string } | undefined) ?? {};
      const text = error || !claimed.authenticated || !claimed.claimedIdentifier ? `Not signed in: ${error?.message ?? 'not authenticated'}` : `Signed in as ${claimed.claimedIdentifier}`;
      // The RP's side of §5: the answer goes to the opener, then the RP closes its popup.
      html(
        res,
        `<p id="status">${escapeHtml(text)}</p>
<script>
if (window.opener) { window.opener.postMessage(${JSON.stringify(text)}, location.origin); window.close(); }
else document.getElementById('status').textContent += ' (no opener)';
</script>`,
      );
    });
  });
  return state;
}

describe('OpenID UI Extension 1.0: popup mode in a real browser', () => {
  let op: LiveProvider;
  let chromium: Awaited<ReturnType<typeof launchBrowser>>;
  let context: BrowserContext;
  let user: string;
  const sites: PopupRelyingParty[] = [];

  beforeAll(async () => {
    [op, chromium] = await Promise.all([startProvider({ realm: LOOPBACK_RP_REALM }), launchBrowser()]);
    user = uniqueName('popup');
    await op.app.get(UsersService).create({ domain: 'localhost', username: user, password: PASSWORD });
    context = await chromium.newContext();
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await chromium?.browser.close().catch(() => undefined);
    await Promise.all(sites.map((s) => s.site.close()));
    await op?.close();
  });

  async function relyingParty(icon: Icon): Promise<PopupRelyingParty> {
    const rp = await startPopupRelyingParty(op.identifier(user), icon);
    sites.push(rp);
    return rp;
  }

  /** Opens the RP's start page and its popup; answers both once the popup shows a provider page. */
  async function openPopup(rp: PopupRelyingParty): Promise<{ page: Page; popup: Page }> {
    const page = await context.newPage();
    await page.goto(`${rp.site.origin}/start`);
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#go')]);
    await popup.waitForURL((url) => url.origin === op.base, { timeout: 15_000 });
    await popup.waitForLoadState('load');
    return { page, popup };
  }

  async function expectCompactLayout(popup: Page): Promise<void> {
    expect(await popup.locator('body.popup').count()).toBe(1);
    expect(await seriousA11yViolations(popup)).toEqual([]);
  }

  async function rpIcons(popup: Page): Promise<string[]> {
    return popup.locator('img.rp-icon').evaluateAll((images) => images.map((i) => (i as unknown as { getAttribute(name: string): string | null }).getAttribute('src') ?? ''));
  }

  it('signs in and consents in the compact popup; the answer reaches the RP, whose page closes the popup; the RP icon comes from our origin', async () => {
    const shots = new Screenshots('popup-1-sign-in');
    const rp = await relyingParty({ contentType: 'image/png', body: GOOD_ICON });
    const { page, popup } = await openPopup(rp);
    const closed = popup.waitForEvent('close', { timeout: 20_000 });

    // The login page, compact, with the request parked, in the language of the RP's ui.lang
    // (§4.2 "fr-CA,en": French, by RFC 4647 lookup), whatever the browser's Accept-Language.
    expect(new URL(popup.url()).pathname).toBe('/login');
    await expectCompactLayout(popup);
    expect(await popup.locator('html').getAttribute('lang')).toBe('fr');
    await shots.take(popup);
    await popup.fill('input[name="password"]', PASSWORD);
    await navigation(popup, () => popup.getByRole('button', { name: 'Se connecter' }).click());

    // The consent page, compact, with the RP's icon as a data: URL of the very bytes it serves.
    expect(new URL(popup.url()).pathname).toBe('/consent');
    await expectCompactLayout(popup);
    expect(await popup.locator('html').getAttribute('lang')).toBe('fr');
    expect(await rpIcons(popup)).toEqual([`data:image/png;base64,${GOOD_ICON.toString('base64')}`]);
    expect(await popup.locator('img.rp-icon').evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth)).toBe(16);
    expect(rp.iconRequests).toBe(1);
    await shots.take(popup);

    // Allow: the assertion goes to return_to in the popup; the RP's page tells its opener and closes it.
    await popup.locator('button[name="decision"][value="allow_once"]').click();
    await closed;
    await expect.poll(() => page.locator('#result').innerText()).toBe(`Signed in as ${op.identifier(user)}`);
    await shots.take(page);
    await page.close();
  }, TIMEOUT);

  it('shows no icon that is SVG, too large or not what it says it is, and never links to the RP; deny answers the RP in the popup too', async () => {
    const hostile: Icon[] = [
      { contentType: 'image/svg+xml', body: SVG_ICON },
      { contentType: 'image/png', body: png(16, 70_000) }, // over realm.icons.max_bytes (64 KiB)
      { contentType: 'image/gif', body: GOOD_ICON }, // PNG bytes declared as GIF
      { contentType: 'image/png', body: png(2000) }, // over 1024×1024
    ];
    for (const [n, icon] of hostile.entries()) {
      const shots = new Screenshots(`popup-2-hostile-icon-${n + 1}`);
      const rp = await relyingParty(icon);
      // Signed in already (first test): straight to the consent page.
      const { page, popup } = await openPopup(rp);
      expect(new URL(popup.url()).pathname).toBe('/consent');
      await expectCompactLayout(popup);
      expect(rp.iconRequests, `icon ${n + 1} was fetched`).toBe(1);
      expect(await rpIcons(popup), `icon ${n + 1}`).toEqual([]);
      expect(await popup.locator(`img[src^="${rp.site.origin}"]`).count()).toBe(0);
      await shots.take(popup);
      const closed = popup.waitForEvent('close', { timeout: 20_000 });
      await popup.locator('button[name="decision"][value="deny"]').click();
      await closed;
      await expect.poll(() => page.locator('#result').innerText()).toMatch(/^Not signed in: /);
      await page.close();
    }
  }, TIMEOUT * 2);

  it('ends a popup request it cannot answer on a compact error page whose button closes the popup', async () => {
    const shots = new Screenshots('popup-3-error');
    const rp = await relyingParty({ contentType: 'image/png', body: GOOD_ICON });
    const page = await context.newPage();
    await page.goto(`${rp.site.origin}/start`);
    // No realm and no return_to (OpenID 2.0 §9.1): nothing to answer to, so an error page.
    const query = new URLSearchParams({ 'openid.ns': 'http://specs.openid.net/auth/2.0', 'openid.mode': 'checkid_setup', 'openid.ns.ui': NS_UI, 'openid.ui.mode': 'popup' });
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.evaluate((url) => void (globalThis as unknown as { open(url: string, name: string, features: string): unknown }).open(url, 'openid', 'width=450,height=500'), `${op.endpoint}?${query}`)]);
    await popup.waitForLoadState('load');
    expect(popup.url().startsWith(`${op.endpoint}?`)).toBe(true);
    await expectCompactLayout(popup);
    expect(await popup.getByRole('heading', { level: 1 }).innerText()).toBe('OpenID request refused');
    await shots.take(popup);
    const closed = popup.waitForEvent('close', { timeout: 10_000 });
    await popup.getByRole('button', { name: 'Close this window' }).click();
    await closed;
    await page.close();
  }, TIMEOUT);
});
