import { CheckidService } from '../../src/auth/checkid/checkid.service.js';
import { deliver } from '../../src/auth/checkid/build-response.js';
import type { CheckidContext } from '../../src/auth/checkid/checkid-context.js';
import { parseOpenIdMessage } from '../../src/protocol/message.js';
import { parseReturnTo } from '../../src/protocol/realm.js';
import { bootApp, testConfig, type TestApp } from '../helpers/test-app.js';

// OpenID User Interface Extension 1.0 at the endpoint: what a popup-mode request changes in the
// answers (layout, opener policy, the error page of a request with nothing to answer to), where
// the language preference is kept, and §5.1's response in the fragment. The whole flow in a real
// popup window is test/browser/popup.e2e.spec.ts.

const HTTPS = { host: 'example.org', 'x-forwarded-proto': 'https' };
const NS = 'http://specs.openid.net/auth/2.0';
const NS_UI = 'http://specs.openid.net/extensions/ui/1.0';
const RP = 'https://rp.example';
const SELECT = 'http://specs.openid.net/auth/2.0/identifier_select';

function checkid(extra: Record<string, string> = {}): Record<string, string> {
  return { 'openid.ns': NS, 'openid.mode': 'checkid_setup', 'openid.claimed_id': SELECT, 'openid.identity': SELECT, 'openid.return_to': `${RP}/return`, 'openid.realm': `${RP}/`, ...extra };
}
const POPUP = { 'openid.ns.ui': NS_UI, 'openid.ui.mode': 'popup' };

describe('OpenID UI Extension 1.0 at the endpoint', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] } }));
  });
  afterAll(() => t.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { ...HTTPS, accept: 'text/html' } });
  const endpoint = (fields: Record<string, string>) => get(`/openid?${new URLSearchParams(fields)}`);

  it('§5: every hop of a popup-mode request keeps the opener (COOP unsafe-none); other requests keep COOP same-origin', async () => {
    const popup = await endpoint(checkid(POPUP));
    expect(popup.statusCode).toBe(302);
    expect(popup.headers.location).toMatch(/^\/login\?request=[A-Za-z0-9_-]{32}$/);
    expect(popup.headers['cross-origin-opener-policy']).toBe('unsafe-none');

    const login = await get(popup.headers.location as string);
    expect(login.statusCode).toBe(200);
    expect(login.headers['cross-origin-opener-policy']).toBe('unsafe-none');
    // Never framed, popup or not (§5 "MUST NOT be framed by the RP", §8).
    expect(login.headers['x-frame-options']).toBe('DENY');
    expect(login.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(login.headers['content-security-policy']).toContain("img-src 'self';");
    expect(login.body).toContain('<body class="popup">');
    expect(login.body).toContain('name="password"');

    const plain = await endpoint(checkid());
    expect(plain.statusCode).toBe(302);
    expect(plain.headers['cross-origin-opener-policy']).toBe('same-origin');
    const plainLogin = await get(plain.headers.location as string);
    expect(plainLogin.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(plainLogin.body).toContain('<body>');
    expect(plainLogin.body).not.toContain('popup');
  });

  it('§5: an unknown or experimental mode changes nothing (no error, the usual layout)', async () => {
    const res = await endpoint(checkid({ 'openid.ns.ui': NS_UI, 'openid.ui.mode': 'x-has-session' }));
    expect(res.statusCode).toBe(302);
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect((await get(res.headers.location as string)).body).toContain('<body>');
  });

  it('§5: a popup request with nothing to answer to ends on a compact error page that offers to close the window', async () => {
    const res = await endpoint({ 'openid.ns': NS, 'openid.mode': 'checkid_setup', ...POPUP });
    expect(res.statusCode).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['cross-origin-opener-policy']).toBe('unsafe-none');
    expect(res.body).toContain('<body class="popup">');
    expect(res.body).toContain('<script src="/assets/popup.js" defer></script>');
    expect(res.body).toContain('<button type="button" class="secondary" data-close-window hidden>Close this window</button>');
    expect(res.body).toContain('You can close this window.');

    const plain = await endpoint({ 'openid.ns': NS, 'openid.mode': 'checkid_setup' });
    expect(plain.statusCode).toBe(400);
    expect(plain.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(plain.body).not.toContain('data-close-window');
    expect(plain.body).not.toContain('popup.js');
  });

  it('serves the close-window script from our origin (CSP script-src self)', async () => {
    const res = await get('/assets/popup.js');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.body).toContain('window.close()');
  });

  it('§4: keeps the language preference on the request context, and the login page speaks it', async () => {
    const pairs = Object.entries(checkid({ 'openid.ns.ui': NS_UI, 'openid.ui.lang': 'fr-CA,fr-FR,en-CA' }));
    const ctx = await t.app.get(CheckidService).validate({ name: 'example.org', base_url: 'https://example.org' } as never, pairs, { ip: '127.0.0.1', userAgent: undefined } as never);
    expect(ctx.ui).toEqual({ popup: false, icon: false, languages: ['fr-CA', 'fr-FR', 'en-CA'] });
    // The login page of the request speaks it (RFC 4647 §3.4 lookup: fr-CA falls back to fr);
    // test/i18n/sign-in-pages.spec.ts has the rest.
    const res = await endpoint(checkid({ ...POPUP, 'openid.ui.lang': 'fr-CA' }));
    const login = await get(res.headers.location as string);
    expect(login.body).toContain('<html lang="fr">');
    expect(login.headers['content-language']).toBe('fr');
  });
});

describe('OpenID UI Extension 1.0 §5.1: the response in the fragment', () => {
  function ctx(returnTo: string, popup: boolean): CheckidContext {
    const message = parseOpenIdMessage(Object.entries(checkid({ 'openid.return_to': returnTo })));
    return { message, returnTo: parseReturnTo(returnTo), ui: { popup, icon: false, languages: [] } } as unknown as CheckidContext;
  }
  const fields: [string, string][] = [
    ['ns', NS],
    ['mode', 'cancel'],
  ];

  it('puts the response after the "#" of a popup request\'s return_to, prefixed "?" (no "?" in it yet) or "&"', () => {
    expect(deliver(ctx(`${RP}/return#`, true), fields, false)).toEqual({ kind: 'redirect', location: `${RP}/return#?openid.ns=${encodeURIComponent(NS)}&openid.mode=cancel` });
    expect(deliver(ctx(`${RP}/return?x=1#`, true), fields, false)).toEqual({ kind: 'redirect', location: `${RP}/return?x=1#&openid.ns=${encodeURIComponent(NS)}&openid.mode=cancel` });
    expect(deliver(ctx(`${RP}/return#state`, true), fields, false)).toEqual({ kind: 'redirect', location: `${RP}/return#state?openid.ns=${encodeURIComponent(NS)}&openid.mode=cancel` });
  });

  it('answers in the query otherwise: no "#", or not a popup request', () => {
    expect(deliver(ctx(`${RP}/return`, true), fields, false)).toEqual({ kind: 'redirect', location: `${RP}/return?openid.ns=${encodeURIComponent(NS)}&openid.mode=cancel` });
    expect(deliver(ctx(`${RP}/return#`, false), fields, false)).toEqual({ kind: 'redirect', location: `${RP}/return?openid.ns=${encodeURIComponent(NS)}&openid.mode=cancel#` });
  });
});
