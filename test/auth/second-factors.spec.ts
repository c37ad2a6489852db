import openid from 'openid';
import * as client from 'openid-client';
import { generateSync } from 'otplib';
import { DataSource } from 'typeorm';
import { UsersService } from '../../src/users/users.service.js';
import { Browser, decodeEntities, LOOPBACK_RP_REALM, publishReturnTo, type BrowserResponse } from '../helpers/live.js';
import { authenticate, extensions, usePeers, verify, type RelyingParty } from '../helpers/rp.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { uniqueName } from '../helpers/test-app.js';
import { testAddress } from '../security/browser.js';

// Second factors end to end (issue 13): an authenticator app added on the identity page, codes
// computed here by otplib as the person's app would, the code page after the password, single
// use, throttling, recovery codes, "Remember this device", and what the relying parties are told
// (PAPE auth_policies to the npm `openid` RP, amr/acr to openid-client), with the step-ups.

const PASSWORD = 'a good passphrase';
const REDIRECT = 'http://127.0.0.1:9/callback';
const MULTI_FACTOR = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor';
const NONE = 'http://schemas.openid.net/pape/policies/2007/06/none';
const PHISHING_RESISTANT = 'http://schemas.openid.net/pape/policies/2007/06/phishing-resistant';

/** The current RFC 6238 step, waiting first when less than 8 s are left in it (the codes of steps -1, 0, +1 stay valid meanwhile). */
async function stepEpoch(): Promise<number> {
  const left = 30 - ((Date.now() / 1000) % 30);
  if (left < 8) await new Promise((r) => setTimeout(r, (left + 0.5) * 1000));
  return Math.floor(Date.now() / 1000);
}

function totp(secret: string, epoch: number): string {
  return generateSync({ secret, epoch });
}

function csrfOf(page: BrowserResponse): string {
  return decodeEntities(/name="csrf" value="([^"]+)"/.exec(page.body)![1]!);
}

describe('second factors', () => {
  const peers = usePeers({
    realm: LOOPBACK_RP_REALM,
    server: { trusted_proxies: ['127.0.0.1'] },
    security: { login_rate_limit: { max_attempts_per_account: 3 } },
    oidc: { clients: [{ client_id: 'spa', client_name: 'Single-page app', redirect_uris: [REDIRECT] }] },
  });
  beforeAll(() => publishReturnTo(peers.site, [`${peers.site.origin}/`]));

  /** A browser from an address of its own (the throttle counts per address too). */
  const browser = () => new Browser({ 'x-forwarded-for': testAddress() });

  async function newUser(): Promise<string> {
    const name = uniqueName('portia');
    await peers.op.app.get(UsersService).create({ domain: 'localhost', username: name, password: PASSWORD });
    return name;
  }

  async function passwordStep(b: Browser, name: string, fields: Record<string, string> = {}, url = `${peers.op.base}/login`): Promise<BrowserResponse> {
    const page = await b.request('GET', url);
    return b.submit(page, { username: name, password: PASSWORD, ...fields });
  }

  async function post(b: Browser, path: string, fields: Record<string, string> = {}): Promise<BrowserResponse> {
    const page = await b.request('GET', peers.op.identifier(nameOf.get(b)!));
    return b.request('POST', `${peers.op.base}${path}`, { csrf: csrfOf(page), ...fields });
  }
  const nameOf = new Map<Browser, string>();

  /** Signs in with the password, adds an authenticator app (confirmed with the previous step's code), answers its secret and recovery codes. */
  async function enrol(b: Browser, name: string, epoch: number): Promise<{ secret: string; recovery: string[]; setup: BrowserResponse }> {
    nameOf.set(b, name);
    expect((await passwordStep(b, name)).status).toBe(303);
    const begun = await post(b, '/account/factors/totp');
    expect(begun.status).toBe(303);
    const location = String(begun.headers.location);
    expect(location).toMatch(/^\/account\/factors\/totp\/[0-9a-f-]{36}$/);
    const setup = await b.request('GET', `${peers.op.base}${location}`);
    expect(setup.status).toBe(200);
    const uri = decodeEntities(/<code class="otpauth">([^<]+)<\/code>/.exec(setup.body)![1]!);
    const secret = new URL(uri).searchParams.get('secret')!;
    const wrong = await b.submit(setup, { code: totp(secret, epoch - 300) });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('That code does not match');
    const confirmed = await b.submit(setup, { code: totp(secret, epoch - 30) });
    expect(confirmed.status).toBe(200);
    const recovery = [...confirmed.body.matchAll(/<li><code>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})<\/code><\/li>/g)].map((m) => m[1]!);
    expect(recovery).toHaveLength(10);
    return { secret, recovery, setup };
  }

  it('adds an authenticator app on the identity page: otpauth URI as text beside an SVG QR code, confirmed by a code, then recovery codes shown once', async () => {
    const name = await newUser();
    const b = browser();
    const epoch = await stepEpoch();
    const { setup, recovery } = await enrol(b, name, epoch);
    // DESIGN.md "Second factors": the URI as text, the QR code beside it, an input named code.
    expect(setup.body).toMatch(new RegExp(`<code class="otpauth">otpauth://totp/localhost:${name}%40localhost\\?secret=[A-Z2-7]{32}&amp;issuer=localhost</code>`));
    expect(setup.body).toMatch(/<div class="qr" role="img" aria-label="QR code of the key"><svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(setup.body).toContain('name="code"');
    expect(setup.body).not.toContain('<script');
    expect(String(setup.headers['content-security-policy'])).not.toContain('unsafe-inline');
    expect(setup.headers['cache-control']).toBe('no-store');
    // The owner page lists the app and what is left of the codes (never a secret, never a code).
    const owner = await b.request('GET', peers.op.identifier(name));
    expect(owner.body).toContain('Authenticator app');
    expect(owner.body).toContain('Recovery codes: 10 of 10 left');
    expect(owner.body).not.toContain(recovery[0]!);
    expect(owner.body).not.toContain('otpauth://');
    expect(owner.body).toContain('Added an authenticator app');
    // Shown once: the enrolment page of a confirmed app is gone.
    const again = await b.request('GET', setup.url);
    expect(again.status).toBe(303);
  });

  it('needs a recent sign-in to add an app or remove the last one: the login form asks again (?fresh=1), then it works', async () => {
    const name = await newUser();
    const epoch = await stepEpoch();
    const b = browser();
    const { secret } = await enrol(b, name, epoch);
    const owner = await b.request('GET', peers.op.identifier(name));
    const remove = /<form method="post" action="(\/account\/factors\/totp\/[0-9a-f-]{36}\/remove)"/.exec(owner.body)![1]!;
    // The sign-in grows old (security.second_factor.fresh_sign_in, 10m).
    await peers.op.app.get(DataSource).query(`UPDATE sessions SET auth_time = now() - interval '11 minutes' WHERE user_id = (SELECT id FROM users WHERE username = $1)`, [name]);
    await new Promise((r) => setTimeout(r, 1100)); // the session cache's second
    for (const path of ['/account/factors/totp', remove]) {
      const refused = await post(b, path);
      expect(refused.status, path).toBe(303);
      expect(refused.headers.location).toBe('/login?fresh=1');
    }
    expect((await b.request('GET', peers.op.identifier(name))).body).toContain('Authenticator app');
    // Signed in, the login form is shown all the same, with why; then the password and the code.
    const form = await b.request('GET', `${peers.op.base}/login?fresh=1`);
    expect(form.status).toBe(200);
    expect(form.body).toContain('To change how you sign in, sign in again first.');
    expect(form.body).toContain(`value="${name}"`);
    const code = await b.follow('', peers.op.base, await b.submit(form, { username: name, password: PASSWORD }));
    expect(code.body).toContain('name="code"');
    expect((await b.submit(code, { code: totp(secret, epoch) })).status).toBe(303);
    const removed = await post(b, remove);
    expect(removed.status).toBe(303);
    expect(removed.headers.location).toBe(peers.op.identifier(name));
    const after = await b.request('GET', peers.op.identifier(name));
    expect(after.body).toContain('Signing in asks for your password only');
    expect(after.body).not.toContain('Recovery codes:');
    expect(after.body).toContain('Removed an authenticator app');
    // No factor left: the password alone signs in again.
    const c = browser();
    expect(String((await passwordStep(c, name)).headers.location)).toBe(peers.op.identifier(name));
  });

  it('asks for the code after the password, before any usable session; a reused code is refused, the parked OpenID request goes on, and the RP reads PAPE multi-factor', async () => {
    const name = await newUser();
    const epoch = await stepEpoch();
    const { secret } = await enrol(browser(), name, epoch);
    const relyingParty: RelyingParty = new openid.RelyingParty(`${peers.site.origin}/verify`, `${peers.site.origin}/`, false, false, [new extensions.PAPE({ max_auth_age: 3600 })] as never[]);
    const b = browser();
    const login = await b.follow(await authenticate(relyingParty, peers.op.identifier(name)), peers.op.base);
    expect(login.body).toContain('name="password"');
    const afterPassword = await b.submit(login, { username: name, password: PASSWORD });
    expect(afterPassword.status).toBe(303);
    expect(String(afterPassword.headers.location)).toMatch(/^\/login\/code\?request=/);
    const codePage = await b.follow('', peers.op.base, afterPassword);
    expect(codePage.status).toBe(200);
    expect(codePage.body).toContain('<input type="text" name="code"');
    expect(codePage.body).toContain('name="csrf"');
    expect(codePage.body).toContain(`<span class="realm">${peers.site.origin}/</span>`);
    // The password alone signed nobody in: the identity page is the public one.
    expect((await b.request('GET', peers.op.identifier(name))).body).not.toContain('Trusted sites');
    const consent = await b.follow('', peers.op.base, await b.submit(codePage, { code: totp(secret, epoch) }));
    expect(consent.body).toContain('name="decision"');
    const answer = await b.submit(consent, { decision: 'allow_once' });
    const url = String(answer.headers.location);
    expect(new URL(url).searchParams.get('openid.pape.auth_policies')).toBe(MULTI_FACTOR);
    const verified = await verify(relyingParty, url);
    expect(verified.result).toMatchObject({ authenticated: true, auth_policies: 'multi-factor' });

    // The same code again, from another browser after the right password: refused, single use.
    const other = browser();
    expect((await passwordStep(other, name)).status).toBe(303);
    const otherPage = await other.follow(`${peers.op.base}/login/code`, peers.op.base);
    const reused = await other.submit(otherPage, { code: totp(secret, epoch) });
    expect(reused.status).toBe(401);
    expect(reused.body).toContain('Wrong or already used code');
    // The next step's code works once.
    const done = await other.submit(otherPage, { code: totp(secret, epoch + 30) });
    expect(done.status).toBe(303);
    expect((await other.request('GET', peers.op.identifier(name))).body).toContain('Trusted sites');
  });

  it("keeps a popup request's opener through the code page (OpenID UI Extension 1.0 §5): COOP unsafe-none and the compact layout at every hop", async () => {
    const name = await newUser();
    const epoch = await stepEpoch();
    const { secret } = await enrol(browser(), name, epoch);
    const relyingParty: RelyingParty = new openid.RelyingParty(`${peers.site.origin}/verify`, `${peers.site.origin}/`, false, false, []);
    const start = new URL(await authenticate(relyingParty, peers.op.identifier(name)));
    start.searchParams.set('openid.ns.ui', 'http://specs.openid.net/extensions/ui/1.0');
    start.searchParams.set('openid.ui.mode', 'popup');
    const b = browser();
    const login = await b.follow(start.href, peers.op.base);
    expect(login.body).toContain('<body class="popup">');
    const afterPassword = await b.submit(login, { username: name, password: PASSWORD });
    expect(afterPassword.status).toBe(303);
    expect(String(afterPassword.headers.location)).toMatch(/^\/login\/code\?request=/);
    expect(afterPassword.headers['cross-origin-opener-policy']).toBe('unsafe-none');
    const codePage = await b.follow('', peers.op.base, afterPassword);
    expect(codePage.headers['cross-origin-opener-policy']).toBe('unsafe-none');
    expect(codePage.body).toContain('<body class="popup">');
    expect(codePage.body).toContain('name="code"');
    const afterCode = await b.submit(codePage, { code: totp(secret, epoch) });
    expect(afterCode.status).toBe(303);
    expect(afterCode.headers['cross-origin-opener-policy']).toBe('unsafe-none');
    const consent = await b.follow('', peers.op.base, afterCode);
    expect(consent.body).toContain('<body class="popup">');
    const answer = await b.submit(consent, { decision: 'allow_once' });
    expect(answer.headers['cross-origin-opener-policy']).toBe('unsafe-none');
    expect((await verify(relyingParty, String(answer.headers.location))).result).toMatchObject({ authenticated: true });
  });

  it('takes one code once when it is sent at the same moment from three browsers (one atomic UPDATE)', async () => {
    const name = await newUser();
    const epoch = await stepEpoch();
    const { secret } = await enrol(browser(), name, epoch);
    const browsers = [browser(), browser(), browser()];
    const pages = await Promise.all(
      browsers.map(async (b) => {
        await passwordStep(b, name);
        return b.request('GET', `${peers.op.base}/login/code`);
      }),
    );
    const code = totp(secret, epoch);
    const statuses = await Promise.all(browsers.map((b, i) => b.submit(pages[i]!, { code }).then((r) => r.status)));
    // One signs in; the others are refused (401, or 429 once their failures reach the account's limit).
    expect(statuses.filter((x) => x === 303)).toHaveLength(1);
    for (const x of statuses.filter((x) => x !== 303)) expect([401, 429]).toContain(x);
  });

  it('tells a password-only sign-in as PAPE none', async () => {
    const name = await newUser();
    const relyingParty: RelyingParty = new openid.RelyingParty(`${peers.site.origin}/verify`, `${peers.site.origin}/`, false, false, [new extensions.PAPE({ max_auth_age: 3600 })] as never[]);
    const b = browser();
    const login = await b.follow(await authenticate(relyingParty, peers.op.identifier(name)), peers.op.base);
    const consent = await b.follow('', peers.op.base, await b.submit(login, { username: name, password: PASSWORD }));
    const url = String((await b.submit(consent, { decision: 'allow_once' })).headers.location);
    expect(new URL(url).searchParams.get('openid.pape.auth_policies')).toBe(NONE);
    expect((await verify(relyingParty, url)).result).toMatchObject({ authenticated: true, auth_policies: 'none' });
  });

  it('throttles wrong codes per account (the attempt reserved first), and a right code is refused while locked', async () => {
    const name = await newUser();
    const epoch = await stepEpoch();
    const { secret } = await enrol(browser(), name, epoch);
    const b = browser();
    await passwordStep(b, name);
    const page = await b.request('GET', `${peers.op.base}/login/code`);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await b.submit(page, { code: totp(secret, epoch - 600) })).status);
    expect(statuses.slice(0, 2)).toEqual([401, 401]);
    expect(statuses.at(-1)).toBe(429);
    const locked = await b.submit(page, { code: totp(secret, epoch) });
    expect(locked.status).toBe(429);
    const metrics = (await b.request('GET', `${peers.op.base}/metrics`)).body;
    expect(metrics).toMatch(/openid_sign_ins_total\{method="second_factor",outcome="throttled"\} [1-9]/);
    expect(metrics).toMatch(/openid_login_failures_total\{reason="wrong_code"\} [1-9]/);
    expect(locked.body).toContain('Too many wrong codes');
    expect(locked.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('accepts each recovery code once, reported as mfa without otp', async () => {
    const name = await newUser();
    const epoch = await stepEpoch();
    const { recovery } = await enrol(browser(), name, epoch);
    const b = browser();
    await passwordStep(b, name);
    const page = await b.request('GET', `${peers.op.base}/login/code`);
    // Typed in lower case, without its hyphens: still the code.
    const used = await b.submit(page, { code: recovery[0]!.replace(/-/g, '').toLowerCase() });
    expect(used.status).toBe(303);
    const owner = await b.request('GET', peers.op.identifier(name));
    expect(owner.body).toContain('Recovery codes: 9 of 10 left');
    expect(owner.body).toContain('Used a recovery code');
    const c = browser();
    await passwordStep(c, name);
    const again = await c.submit(await c.request('GET', `${peers.op.base}/login/code`), { code: recovery[0]! });
    expect(again.status).toBe(401);
    expect((await c.submit(await c.request('GET', `${peers.op.base}/login/code`), { code: recovery[1]! })).status).toBe(303);
  });

  it('answers malformed codes (too long, NUL, multibyte digits) with a 400 page, never a 500', async () => {
    const name = await newUser();
    const epoch = await stepEpoch();
    await enrol(browser(), name, epoch);
    const b = browser();
    await passwordStep(b, name);
    const page = await b.request('GET', `${peers.op.base}/login/code`);
    for (const code of ['1'.repeat(10_000), '12\u000034', '１２３４５６', '💥💥💥💥💥💥', '']) {
      const res = await b.submit(page, { code });
      expect(res.status, JSON.stringify(code.slice(0, 20))).toBe(400);
      expect(String(res.headers['content-type'])).toContain('text/html');
    }
  });

  it('"Remember this device" skips the code in that browser, reported as one factor; a multi-factor request then steps up (setup: the code page; immediate: setup_needed)', async () => {
    const name = await newUser();
    const epoch = await stepEpoch();
    const { secret } = await enrol(browser(), name, epoch);
    const b = browser();
    await passwordStep(b, name);
    const remembered = await b.submit(await b.request('GET', `${peers.op.base}/login/code`), { code: totp(secret, epoch), remember_device: '1' });
    expect(remembered.status).toBe(303);
    // Signed out, then in again: no code asked in this browser.
    nameOf.set(b, name);
    await post(b, '/logout');
    const again = await passwordStep(b, name);
    expect(again.status).toBe(303);
    expect(String(again.headers.location)).toBe(peers.op.identifier(name));
    // A site asking nothing particular gets PAPE none: the device is no factor.
    const plain: RelyingParty = new openid.RelyingParty(`${peers.site.origin}/verify`, `${peers.site.origin}/`, false, false, [new extensions.PAPE({ max_auth_age: 3600 })] as never[]);
    const consent = await b.follow(await authenticate(plain, peers.op.identifier(name)), peers.op.base);
    expect(consent.body).toContain('name="decision"');
    const none = String((await b.submit(consent, { decision: 'allow_always' })).headers.location);
    expect(new URL(none).searchParams.get('openid.pape.auth_policies')).toBe(NONE);
    // PAPE preferred_auth_policies multi-factor: checkid_immediate answers setup_needed…
    const strict: RelyingParty = new openid.RelyingParty(`${peers.site.origin}/verify`, `${peers.site.origin}/`, false, false, [new extensions.PAPE({ preferred_auth_policies: 'multi-factor' })] as never[]);
    const immediate = await b.follow(await authenticate(strict, peers.op.identifier(name), true), peers.op.base);
    expect(new URL(String(immediate.headers.location)).searchParams.get('openid.mode')).toBe('setup_needed');
    // …checkid_setup asks for the code now, then answers multi-factor (trusted: no consent page).
    const stepUp = await b.follow(await authenticate(strict, peers.op.identifier(name)), peers.op.base);
    expect(stepUp.status).toBe(200);
    expect(stepUp.body).toContain('name="code"');
    expect(stepUp.body).toContain('a second proof that you are');
    const stepped = await b.submit(stepUp, { code: totp(secret, epoch + 30) });
    const url = String(stepped.headers.location);
    expect(new URL(url).searchParams.get('openid.mode')).toBe('id_res');
    expect(new URL(url).searchParams.get('openid.pape.auth_policies')).toBe(MULTI_FACTOR);
    expect((await verify(strict, url)).result).toMatchObject({ authenticated: true, auth_policies: 'multi-factor' });
  });

  it('steps up past max_auth_age with a full sign-in again: password, then the code', async () => {
    const name = await newUser();
    const epoch = await stepEpoch();
    const { secret } = await enrol(browser(), name, epoch);
    const b = browser();
    await passwordStep(b, name);
    expect((await b.submit(await b.request('GET', `${peers.op.base}/login/code`), { code: totp(secret, epoch) })).status).toBe(303);
    await new Promise((r) => setTimeout(r, 1100));
    const strict: RelyingParty = new openid.RelyingParty(`${peers.site.origin}/verify`, `${peers.site.origin}/`, false, false, [new extensions.PAPE({ max_auth_age: 0 })] as never[]);
    const immediate = await b.follow(await authenticate(strict, peers.op.identifier(name), true), peers.op.base);
    expect(new URL(String(immediate.headers.location)).searchParams.get('openid.mode')).toBe('setup_needed');
    const login = await b.follow(await authenticate(strict, peers.op.identifier(name)), peers.op.base);
    expect(login.body).toContain('name="password"');
    const code = await b.follow('', peers.op.base, await b.submit(login, { username: name, password: PASSWORD }));
    expect(code.body).toContain('name="code"');
    const consent = await b.follow('', peers.op.base, await b.submit(code, { code: totp(secret, epoch + 30) }));
    expect(consent.body).toContain('name="decision"');
  });

  it('a user with no second factor asked multi-factor is answered truthfully (none), no loop', async () => {
    const name = await newUser();
    const b = browser();
    const strict: RelyingParty = new openid.RelyingParty(`${peers.site.origin}/verify`, `${peers.site.origin}/`, false, false, [new extensions.PAPE({ preferred_auth_policies: 'multi-factor' })] as never[]);
    const login = await b.follow(await authenticate(strict, peers.op.identifier(name)), peers.op.base);
    const consent = await b.follow('', peers.op.base, await b.submit(login, { username: name, password: PASSWORD }));
    expect(consent.body).toContain('name="decision"');
    const url = String((await b.submit(consent, { decision: 'allow_once' })).headers.location);
    expect(new URL(url).searchParams.get('openid.pape.auth_policies')).toBe(NONE);
  });

  describe('OpenID Connect', () => {
    let config: client.Configuration;
    beforeAll(async () => {
      config = await client.discovery(new URL(peers.op.base), 'spa', undefined, client.None());
    });

    async function codeFlow(b: Browser, name: string, extra: Record<string, string>, answerCode: (page: BrowserResponse) => Promise<BrowserResponse>): Promise<Record<string, unknown>> {
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce, ...extra });
      let page = await b.follow(url.href, peers.op.base);
      for (let i = 0; i < 5; i++) {
        if (page.status === 200 && page.body.includes('name="password"')) page = await b.follow('', peers.op.base, await b.submit(page, { username: name, password: PASSWORD }));
        else if (page.status === 200 && page.body.includes('name="code"')) page = await b.follow('', peers.op.base, await answerCode(page));
        else if (page.status === 200 && page.body.includes('name="decision"')) page = await b.follow('', peers.op.base, await b.submit(page, { decision: 'allow_always' }));
        else break;
      }
      const location = new URL(String(page.headers.location), page.url);
      const tokens = await client.authorizationCodeGrant(config, location, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
      return tokens.claims()!;
    }

    it('advertises the acr values, and puts amr [pwd, otp, mfa] and acr multi-factor in the ID token after a TOTP sign-in', async () => {
      const meta = config.serverMetadata();
      expect(meta.acr_values_supported).toEqual([NONE, MULTI_FACTOR, 'http://schemas.openid.net/pape/policies/2007/06/phishing-resistant']);
      const name = await newUser();
      const epoch = await stepEpoch();
      const { secret } = await enrol(browser(), name, epoch);
      const b = browser();
      const claims = await codeFlow(b, name, {}, (page) => b.submit(page, { code: totp(secret, epoch) }));
      expect(claims['amr']).toEqual(['pwd', 'otp', 'mfa']);
      expect(claims['acr']).toBe(MULTI_FACTOR);
      expect(claims['amr']).not.toContain('hwk');
    });

    it('steps a remembered-device session up for acr_values multi-factor; prompt=none answers interaction_required', async () => {
      const name = await newUser();
      const epoch = await stepEpoch();
      const { secret } = await enrol(browser(), name, epoch);
      const b = browser();
      const first = await codeFlow(b, name, {}, (page) => b.submit(page, { code: totp(secret, epoch), remember_device: '1' }));
      expect(first['acr']).toBe(MULTI_FACTOR);
      nameOf.set(b, name);
      await post(b, '/logout');
      let asked = 0;
      const single = await codeFlow(b, name, {}, async (page) => {
        asked++;
        return b.submit(page, { code: 'unused' });
      });
      expect(asked).toBe(0);
      expect(single['amr']).toEqual(['pwd']);
      expect(single['acr']).toBe(NONE);
      // prompt=none cannot ask for the code.
      const none = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256', prompt: 'none', acr_values: MULTI_FACTOR });
      const refused = await b.follow(none.href, peers.op.base);
      expect(new URL(String(refused.headers.location)).searchParams.get('error')).toBe('interaction_required');
      const stepped = await codeFlow(b, name, { acr_values: MULTI_FACTOR }, async (page) => {
        asked++;
        return b.submit(page, { code: totp(secret, epoch + 30) });
      });
      expect(asked).toBe(1);
      expect(stepped['amr']).toEqual(['pwd', 'otp', 'mfa']);
      expect(stepped['acr']).toBe(MULTI_FACTOR);
    });

    // OpenID Connect Core 1.0 §3.1.2.1: acr_values are voluntary. Phishing-resistant asked of an
    // account with an app and a passkey: after the password and an app code, the code page asks
    // for the passkey; a code given again declines it, and the client gets the acr that was met,
    // not the code page once more.
    it('answers acr multi-factor when the person gives a code where the passkey was asked (no loop)', async () => {
      const name = await newUser();
      const epoch = await stepEpoch();
      const owner = browser();
      const { secret, recovery } = await enrol(owner, name, epoch);
      const setup = await post(owner, '/account/factors/passkey');
      expect(setup.status).toBe(303);
      const page = await owner.request('GET', `${peers.op.base}/account/factors/passkey`);
      const options = JSON.parse((await owner.request('POST', `${peers.op.base}/account/factors/passkey/options`, { csrf: csrfOf(page) }, { accept: 'application/json' })).body) as Parameters<SoftAuthenticator['create']>[0];
      const added = await owner.request('POST', `${peers.op.base}/account/factors/passkey/register`, { csrf: csrfOf(page), name: 'Laptop', response: new SoftAuthenticator().create(options, peers.op.base) });
      // Added (recovery codes exist already: back to the identity page).
      expect(added.status).toBe(303);
      const b = browser();
      // The client allowed always first: a consent step in between is an interaction of its own,
      // after which the passkey is asked once more (provider-configuration.ts op_acr_not_met).
      await codeFlow(b, name, {}, (code) => b.submit(code, { code: recovery[1]! }));
      const pages: string[] = [];
      const claims = await codeFlow(b, name, { acr_values: PHISHING_RESISTANT, prompt: 'login' }, async (code) => {
        pages.push(new URL(code.url).search);
        // The app's code to sign in, then a recovery code where the passkey is asked.
        return b.submit(code, { code: pages.length === 1 ? totp(secret, epoch) : recovery[0]! });
      });
      expect(pages).toHaveLength(2);
      expect(pages[1]).toContain('want=passkey');
      expect(claims['amr']).toEqual(['pwd', 'otp', 'mfa']);
      expect(claims['acr']).toBe(MULTI_FACTOR);
      expect(claims['amr']).not.toContain('hwk');
    });
  });
});
