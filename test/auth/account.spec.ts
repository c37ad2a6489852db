import openid from 'openid';
import { UsersService } from '../../src/users/users.service.js';
import { Browser, type BrowserResponse } from '../helpers/live.js';
import { authenticate, usePeers } from '../helpers/rp.js';
import { uniqueName } from '../helpers/test-app.js';

// The identity page as its owner sees it, and the actions on it (DESIGN.md: user management by
// the end user): trusted sites, sessions, history, sign out everywhere.

const PASSWORD = 'a good passphrase';

describe('identity page for its owner', () => {
  const peers = usePeers();

  async function newUser(): Promise<string> {
    const name = uniqueName('mercutio');
    await peers.op.app.get(UsersService).create({ domain: 'localhost', username: name, password: PASSWORD });
    return name;
  }

  async function login(browser: Browser, name: string): Promise<void> {
    const page = await browser.request('GET', `${peers.op.base}/login`);
    const res = await browser.submit(page, { username: name, password: PASSWORD });
    expect(res.status).toBe(303);
  }

  async function trustRp(browser: Browser, name: string): Promise<void> {
    const rp = new openid.RelyingParty(`${peers.site.origin}/verify`, `${peers.site.origin}/`, false, false, []);
    const url = await authenticate(rp, peers.op.identifier(name));
    const consent = await browser.follow(url, peers.op.base);
    expect(consent.body).toContain('name="decision"');
    const back = await browser.submit(consent, { decision: 'allow_always' });
    expect(String(back.headers.location)).toContain('openid.mode=id_res');
  }

  function ownerPage(browser: Browser, name: string): Promise<BrowserResponse> {
    return browser.request('GET', peers.op.identifier(name));
  }

  it('shows visitors the public page and the owner the management page', async () => {
    const name = await newUser();
    const visitor = await new Browser().request('GET', peers.op.identifier(name));
    expect(visitor.body).not.toContain('Trusted sites');
    expect(visitor.headers['cache-control']).toBe('public, max-age=300');
    const owner = new Browser();
    await login(owner, name);
    const page = await ownerPage(owner, name);
    expect(page.status).toBe(200);
    for (const heading of ['Trusted sites', 'Sessions', 'Recent sign-ins', 'Use your own web address']) expect(page.body).toContain(heading);
    expect(page.body).toContain(`<link rel="openid2.provider" href="${peers.op.endpoint}">`);
    expect(page.body).toContain('(this browser)');
    expect(page.body).toContain('Signed in');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers.vary).toBe('Accept, Accept-Language, Cookie');
  });

  // Issue 8, 7: sessions are named as a person names a device, not by their raw User-Agent.
  it('names each session\'s device ("Chrome on Linux"), keeping the raw User-Agent as a tooltip', async () => {
    const name = await newUser();
    const chrome = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
    const firefox = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0';
    const owner = new Browser({ 'user-agent': chrome });
    await login(owner, name);
    await login(new Browser({ 'user-agent': firefox }), name);
    await login(new Browser({ 'user-agent': 'curl/8.14.1' }), name);
    const page = await ownerPage(owner, name);
    expect(page.body).toContain(`<span title="${chrome}">Chrome on Linux</span> <strong>(this browser)</strong>`);
    expect(page.body).toContain(`<span title="${firefox}">Firefox on Windows</span>`);
    expect(page.body).toContain('<span title="curl/8.14.1">curl</span>');
  });

  it('lists a trusted site and revokes it, after which the site asks again', async () => {
    const name = await newUser();
    const browser = new Browser();
    await login(browser, name);
    await trustRp(browser, name);
    const page = await ownerPage(browser, name);
    expect(page.body).toContain(`<span class="realm">${peers.site.origin}/</span>`);
    const form = /<form method="post" action="(\/account\/trust\/[0-9a-f-]{36}\/revoke)"/.exec(page.body);
    expect(form).not.toBeNull();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const revoked = await browser.request('POST', `${peers.op.base}${form![1]}`, { csrf });
    expect(revoked.status).toBe(303);
    const after = await ownerPage(browser, name);
    expect(after.body).not.toContain(`<span class="realm">${peers.site.origin}/</span>`);
    expect(after.body).toContain('Stopped trusting a site');
    await trustRp(browser, name); // the consent page shows again
  });

  it('ends another session, and signs out everywhere', async () => {
    const name = await newUser();
    const laptop = new Browser();
    const phone = new Browser();
    await login(laptop, name);
    await login(phone, name);
    const page = await ownerPage(laptop, name);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const other = /action="(\/account\/sessions\/[0-9a-f-]{36}\/revoke)"/.exec(page.body)![1]!;
    expect((await laptop.request('POST', `${peers.op.base}${other}`, { csrf })).status).toBe(303);
    expect((await ownerPage(phone, name)).body).not.toContain('Trusted sites');
    await login(phone, name);
    const everywhere = await laptop.request('POST', `${peers.op.base}/logout-everywhere`, { csrf });
    expect(everywhere.status).toBe(303);
    expect(everywhere.headers.location).toBe('/login');
    expect((await ownerPage(phone, name)).body).not.toContain('Trusted sites');
    expect((await ownerPage(laptop, name)).body).not.toContain('Trusted sites');
  });

  it('saves the profile in SReg formats and the fields shared by default', async () => {
    const name = await newUser();
    const browser = new Browser();
    await login(browser, name);
    const page = await ownerPage(browser, name);
    expect(page.body).toContain('Your profile');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    // HTML's tel input for the phone number (a dialling keypad on phones), text for the others.
    expect(page.body).toContain('Phone number <span class="meta">(international format, e.g. +33 1 23 45 67 89)</span> <input type="tel" name="phone" value="">');
    expect(page.body).toContain('<input type="text" name="email"');
    const form = new URLSearchParams({ csrf, nickname: 'mercutio', email: 'm@verona.example', fullname: 'Mercutio', dob: '1597-00-00', gender: 'm', country: 'it', language: 'it', timezone: 'Europe/Rome', postcode: '', phone: '+39 (045) 123-4567' });
    form.append('share', 'nickname');
    form.append('share', 'email');
    form.append('share', 'phone');
    const saved = await browser.request('POST', `${peers.op.base}/account/profile`, form);
    expect(saved.status).toBe(303);
    const user = await peers.op.app.get(UsersService).find('localhost', name);
    expect(user).toMatchObject({ nickname: 'mercutio', email: 'm@verona.example', dob: '1597-00-00', gender: 'M', country: 'IT', timezone: 'Europe/Rome', postcode: null, phone: '+390451234567', releaseDefaults: ['nickname', 'email', 'phone'] });
    const again = await ownerPage(browser, name);
    expect(again.body).toContain('<input type="tel" name="phone" value="+390451234567">');
    expect(again.body).toContain('<input type="checkbox" name="share" value="phone" checked>');
    expect(again.body).toContain('<input type="checkbox" name="share" value="email" checked>');
    expect(again.body).toContain('<input type="checkbox" name="share" value="dob">');
    const bad = await browser.request('POST', `${peers.op.base}/account/profile`, { csrf, email: 'not an address' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('email: is not an e-mail address');
    const national = await browser.request('POST', `${peers.op.base}/account/profile`, { csrf, phone: '045 123 4567' });
    expect(national.status).toBe(400);
    expect(national.body).toContain('phone: must be in international format: + and the country code, e.g. +33 1 23 45 67 89');
    expect((await peers.op.app.get(UsersService).find('localhost', name))?.phone).toBe('+390451234567');
  });

  it('refuses account actions without the CSRF token or without a session', async () => {
    const name = await newUser();
    const browser = new Browser();
    await login(browser, name);
    expect((await browser.request('POST', `${peers.op.base}/logout-everywhere`, { csrf: 'nope' })).status).toBe(403);
    const stranger = new Browser();
    const page = await stranger.request('GET', `${peers.op.base}/login`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const res = await stranger.request('POST', `${peers.op.base}/account/sessions/00000000-0000-0000-0000-000000000000/revoke`, { csrf });
    expect(res.status).toBe(401);
    expect(res.body).toContain('Not signed in');
  });
});
