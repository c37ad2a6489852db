import { DataSource } from 'typeorm';
import { AuditService } from '../../src/audit/audit.service.js';
import { UsersService } from '../../src/users/users.service.js';
import { Browser, decodeEntities, startProvider, type BrowserResponse, type LiveProvider } from '../helpers/live.js';
import { SoftAuthenticator, type Spoil } from '../helpers/soft-authenticator.js';
import { uniqueName } from '../helpers/test-app.js';
import { testAddress } from '../security/browser.js';

// Passkeys end to end without a browser (issue 13; WebAuthn Level 3): the ceremonies' options
// and answers over HTTP, the answers made by a software authenticator (test/helpers) as a browser
// with a passkey would, spoiled on purpose for each refusal: a challenge used twice, expired, or
// asked by another browser; another origin or RP ID; a signature counter gone backwards; no user
// verification for a passkey-only sign-in; and security.passkeys.sign_in off. The real browser
// with Chromium's virtual authenticator is test/browser/passkeys.e2e.spec.ts.

const PASSWORD = 'a good passphrase';
const JSON_ACCEPT = { accept: 'application/json' };

function csrfOf(page: BrowserResponse): string {
  return decodeEntities(/name="csrf" value="([^"]+)"/.exec(page.body)![1]!);
}

interface Options {
  challenge: string;
  rp: { id: string; name: string };
  rpId: string;
  user: { id: string; name: string };
  excludeCredentials: { id: string }[];
  allowCredentials: { id: string }[];
  authenticatorSelection: { residentKey: string; userVerification: string };
  userVerification: string;
  attestation: string;
  timeout: number;
}

describe('passkeys', () => {
  let op: LiveProvider;
  let origin: string;
  beforeAll(async () => {
    op = await startProvider({ server: { trusted_proxies: ['127.0.0.1'] } });
    origin = op.base;
  });
  afterAll(() => op?.close());

  const browser = () => new Browser({ 'x-forwarded-for': testAddress() });
  const db = () => op.app.get(DataSource);

  async function newUser(): Promise<string> {
    const name = uniqueName('imogen');
    await op.app.get(UsersService).create({ domain: 'localhost', username: name, password: PASSWORD });
    return name;
  }

  async function passwordStep(b: Browser, name: string): Promise<BrowserResponse> {
    const page = await b.request('GET', `${op.base}/login`);
    return b.submit(page, { username: name, password: PASSWORD });
  }

  async function postJson(b: Browser, path: string, fields: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> & Options }> {
    const res = await b.request('POST', `${op.base}${path}`, fields, JSON_ACCEPT);
    return { status: res.status, json: JSON.parse(res.body) as Record<string, unknown> & Options };
  }

  /** Signs in with the password and adds a passkey made by `authenticator`; answers the setup page. */
  async function enrol(b: Browser, name: string, authenticator: SoftAuthenticator, label = 'My laptop'): Promise<{ options: Options; done: BrowserResponse }> {
    expect((await passwordStep(b, name)).status).toBe(303);
    const owner = await b.request('GET', op.identifier(name));
    expect(owner.body).toContain('Add a passkey');
    const begun = await b.request('POST', `${op.base}/account/factors/passkey`, { csrf: csrfOf(owner) });
    expect(begun.status).toBe(303);
    expect(begun.headers.location).toBe('/account/factors/passkey');
    const setup = await b.request('GET', `${op.base}/account/factors/passkey`);
    expect(setup.status).toBe(200);
    const { status, json: options } = await postJson(b, '/account/factors/passkey/options', { csrf: csrfOf(setup) });
    expect(status).toBe(200);
    const done = await b.request('POST', `${op.base}/account/factors/passkey/register`, { csrf: csrfOf(setup), name: label, response: authenticator.create(options, origin) });
    return { options, done };
  }

  /** The code page after the password: the passkey's options, then its answer (spoiled or not). */
  async function secondFactor(b: Browser, name: string, authenticator: SoftAuthenticator, spoil: Spoil = {}, accept: Record<string, string> = {}): Promise<{ options: Options; answer: BrowserResponse }> {
    const after = await passwordStep(b, name);
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/login/code');
    const page = await b.request('GET', `${op.base}/login/code`);
    const { status, json: options } = await postJson(b, '/login/code/passkey/options', { csrf: csrfOf(page) });
    expect(status).toBe(200);
    const answer = await b.request('POST', `${op.base}/login/code/passkey`, { csrf: csrfOf(page), response: authenticator.get(options, origin, spoil) }, accept);
    return { options, answer };
  }

  /** A passkey-only sign-in from the login page: options, then the answer. */
  async function passkeyOnly(b: Browser, authenticator: SoftAuthenticator, spoil: Spoil = {}, accept: Record<string, string> = JSON_ACCEPT): Promise<{ options: Options; answer: BrowserResponse; csrf: string }> {
    const page = await b.request('GET', `${op.base}/login`);
    const csrf = csrfOf(page);
    const { status, json: options } = await postJson(b, '/login/passkey/options', { csrf });
    expect(status).toBe(200);
    const answer = await b.request('POST', `${op.base}/login/passkey`, { csrf, response: authenticator.get(options, origin, spoil) }, accept);
    return { options, answer, csrf };
  }

  async function amrOf(name: string): Promise<string[][]> {
    const rows = (await db().query(`SELECT s.amr FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = $1 AND NOT s.factor_pending ORDER BY s.created_at`, [name])) as { amr: string[] }[];
    return rows.map((r) => r.amr);
  }

  /** The account's history, oldest first (the audit is written behind the response: recent() flushes it). */
  async function auditKinds(name: string): Promise<string[]> {
    const user = (await op.app.get(UsersService).find('localhost', name))!;
    return (await op.app.get(AuditService).recent(user.id, 100)).map((e) => e.kind).reverse();
  }

  it('adds a passkey: WebAuthn L3 options (RP ID, a random user handle, residentKey and userVerification preferred, excludeCredentials), listed by name, audited, with recovery codes', async () => {
    const name = await newUser();
    const b = browser();
    const authenticator = new SoftAuthenticator();
    const { options, done } = await enrol(b, name, authenticator);
    expect(options.rp).toEqual({ id: 'localhost', name: 'localhost' });
    expect(options.user.name).toBe(`${name}@localhost`);
    // WebAuthn L3 §14.6.1: 64 random bytes, not the username.
    expect(Buffer.from(options.user.id, 'base64url')).toHaveLength(64);
    expect(Buffer.from(options.user.id, 'base64url').toString('utf8')).not.toContain(name);
    expect(Buffer.from(options.challenge, 'base64url')).toHaveLength(32);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'preferred', userVerification: 'preferred' });
    expect(options.attestation).toBe('none');
    expect(options.excludeCredentials).toEqual([]);
    expect(options.timeout).toBe(300_000);
    expect(done.status).toBe(200);
    expect(done.body).toContain('Your passkey is added');
    expect([...done.body.matchAll(/<li><code>[A-Z2-7-]{19}<\/code><\/li>/g)]).toHaveLength(10);
    const owner = await b.request('GET', op.identifier(name));
    expect(owner.body).toContain('My laptop <span class="meta">(passkey)</span>');
    expect(owner.body).toMatch(/action="\/account\/factors\/passkey\/[0-9a-f-]{36}\/remove"/);
    expect(owner.body).toContain('Added a passkey');
    expect(await auditKinds(name)).toContain('passkey_added');
    // The same user handle next time, and the passkey is excluded (the authenticator says "added already").
    const again = await b.request('GET', `${op.base}/account/factors/passkey`);
    const { json: second } = await postJson(b, '/account/factors/passkey/options', { csrf: csrfOf(again) });
    expect(second.user.id).toBe(options.user.id);
    expect(second.excludeCredentials.map((c) => c.id)).toEqual([authenticator.credentials[0]!.id.toString('base64url')]);
  });

  it('asks for the second factor after the password and takes the passkey there: the session says pwd, hwk, mfa', async () => {
    const name = await newUser();
    const authenticator = new SoftAuthenticator();
    await enrol(browser(), name, authenticator);
    const b = browser();
    const after = await passwordStep(b, name);
    const page = await b.request('GET', `${op.base}${String(after.headers.location)}`);
    // DESIGN.md: the code page keeps its `code` input, beside "Use a passkey".
    expect(page.body).toContain('name="code"');
    expect(page.body).toContain('Use a passkey');
    expect(page.body).toContain('<script src="/assets/passkeys.js" defer></script>');
    expect(String(page.headers['content-security-policy'])).toContain("connect-src 'self'");
    const { json: options } = await postJson(b, '/login/code/passkey/options', { csrf: csrfOf(page) });
    expect(options.rpId).toBe('localhost');
    expect(options.userVerification).toBe('preferred');
    expect(options.allowCredentials.map((c) => c.id)).toEqual([authenticator.credentials[0]!.id.toString('base64url')]);
    const answer = await b.request('POST', `${op.base}/login/code/passkey`, { csrf: csrfOf(page), response: authenticator.get(options, origin) });
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe(op.identifier(name));
    expect((await amrOf(name)).at(-1)).toEqual(['pwd', 'hwk', 'mfa']);
  });

  it('uses a challenge once: a second answer with it is refused, even after a failed one (WebAuthn L3 §13.4.3)', async () => {
    const name = await newUser();
    const authenticator = new SoftAuthenticator();
    await enrol(browser(), name, authenticator);
    const b = browser();
    const { options, answer } = await secondFactor(b, name, authenticator, { badSignature: true }, JSON_ACCEPT);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'passkey_refused', reason: 'bad_signature', status: 401 });
    // The right answer to the same challenge: the challenge is gone.
    const page = await b.request('GET', `${op.base}/login/code`);
    const again = await b.request('POST', `${op.base}/login/code/passkey`, { csrf: csrfOf(page), response: authenticator.get(options, origin) }, JSON_ACCEPT);
    expect(again.status).toBe(400);
    expect(JSON.parse(again.body)).toMatchObject({ code: 'passkey_refused', reason: 'challenge_unknown' });
    // A browser gets the code page again, with the message.
    const html = await b.request('POST', `${op.base}/login/code/passkey`, { csrf: csrfOf(page), response: authenticator.get(options, origin) });
    expect(html.status).toBe(400);
    expect(html.body).toContain('was answered already');
    expect(html.body).toContain('name="code"');
    expect(await auditKinds(name)).toContain('second_factor_failed');
  });

  it('refuses an expired challenge', async () => {
    const name = await newUser();
    const authenticator = new SoftAuthenticator();
    await enrol(browser(), name, authenticator);
    const b = browser();
    await passwordStep(b, name);
    const page = await b.request('GET', `${op.base}/login/code`);
    const { json: options } = await postJson(b, '/login/code/passkey/options', { csrf: csrfOf(page) });
    await db().query(`UPDATE webauthn_challenges SET expires_at = now() - interval '1 second' WHERE challenge = $1`, [options.challenge]);
    const answer = await b.request('POST', `${op.base}/login/code/passkey`, { csrf: csrfOf(page), response: authenticator.get(options, origin) }, JSON_ACCEPT);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'passkey_refused', reason: 'challenge_expired' });
    expect(await db().query(`SELECT 1 FROM webauthn_challenges WHERE challenge = $1`, [options.challenge])).toEqual([]);
  });

  it('refuses another origin, another RP ID, a framed page and a wrong ceremony type, each with its reason (WebAuthn L3 §7.2 steps 11-15)', async () => {
    const cases: [Spoil, string][] = [
      [{ origin: 'https://localhost.evil.example' }, 'origin_mismatch'],
      [{ origin: `http://localhost:${new URL(origin).port}` }, 'origin_mismatch'],
      [{ rpId: 'evil.example' }, 'rp_id_mismatch'],
      [{ crossOrigin: true }, 'cross_origin'],
      [{ type: 'webauthn.create' }, 'wrong_type'],
      [{ userPresent: false }, 'user_not_present'],
    ];
    for (const [spoil, reason] of cases) {
      // An account each: five refusals in a row would lock the account's code bucket (429).
      const name = await newUser();
      const authenticator = new SoftAuthenticator();
      await enrol(browser(), name, authenticator);
      const { answer } = await secondFactor(browser(), name, authenticator, spoil, JSON_ACCEPT);
      expect(JSON.parse(answer.body), reason).toMatchObject({ code: 'passkey_refused', reason, title: 'Passkey refused' });
      expect(answer.status).toBe(reason === 'user_not_present' ? 401 : 400);
      expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json/);
    }
    // At registration too: a passkey made for another origin or RP ID is not added.
    const other = await newUser();
    const b = browser();
    expect((await passwordStep(b, other)).status).toBe(303);
    const owner = await b.request('GET', op.identifier(other));
    await b.request('POST', `${op.base}/account/factors/passkey`, { csrf: csrfOf(owner) });
    for (const [spoil, reason] of [[{ origin: 'https://evil.example' }, 'origin_mismatch'], [{ rpId: 'evil.example' }, 'rp_id_mismatch']] as [Spoil, string][]) {
      const setup = await b.request('GET', `${op.base}/account/factors/passkey`);
      const { json: options } = await postJson(b, '/account/factors/passkey/options', { csrf: csrfOf(setup) });
      const refused = await b.request('POST', `${op.base}/account/factors/passkey/register`, { csrf: csrfOf(setup), name: 'x', response: new SoftAuthenticator().create(options, origin, spoil) }, JSON_ACCEPT);
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'passkey_refused', reason });
    }
    const html = await b.request('POST', `${op.base}/account/factors/passkey/register`, { csrf: csrfOf(owner), name: 'x', response: 'not json' });
    expect(html.status).toBe(400);
    expect(html.body).toContain('The browser sent no passkey answer we can read.');
    expect((await b.request('GET', op.identifier(other))).body).not.toContain('(passkey)');
  });

  it('refuses a signature counter that went backwards, and audits it (WebAuthn L3 §7.2 step 22)', async () => {
    const name = await newUser();
    const authenticator = new SoftAuthenticator();
    await enrol(browser(), name, authenticator);
    expect((await secondFactor(browser(), name, authenticator, { signCount: 7 })).answer.status).toBe(303);
    const [{ count }] = (await db().query(`SELECT f.sign_count AS count FROM second_factors f JOIN users u ON u.id = f.user_id WHERE u.username = $1 AND f.kind = 'webauthn'`, [name])) as { count: string }[];
    expect(Number(count)).toBe(7);
    for (const signCount of [7, 3]) {
      const { answer } = await secondFactor(browser(), name, authenticator, { signCount }, JSON_ACCEPT);
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'passkey_refused', reason: 'counter_regression' });
    }
    expect((await auditKinds(name)).filter((k) => k === 'passkey_counter_regression')).toHaveLength(2);
    expect((await secondFactor(browser(), name, authenticator, { signCount: 8 })).answer.status).toBe(303);
  });

  it('signs in with a passkey alone (discoverable, user verification required): hwk and mfa, throttled and bound to the browser', async () => {
    const name = await newUser();
    const authenticator = new SoftAuthenticator();
    await enrol(browser(), name, authenticator);
    const b = browser();
    const login = await b.request('GET', `${op.base}/login`);
    expect(login.body).toContain('Use a passkey instead');
    expect(login.body).toContain('name="password"');
    const { options, answer } = await passkeyOnly(b, authenticator, {}, {});
    expect(options.allowCredentials).toEqual([]);
    expect(options.userVerification).toBe('required');
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe(op.identifier(name));
    expect((await amrOf(name)).at(-1)).toEqual(['hwk', 'mfa']);
    // Without user verification a passkey alone does not sign in.
    const unverified = await passkeyOnly(browser(), authenticator, { userVerified: false });
    expect(unverified.answer.status).toBe(401);
    expect(JSON.parse(unverified.answer.body)).toMatchObject({ reason: 'user_not_verified' });
    // A challenge asked by one browser is no good in another (bound to its CSRF token).
    const first = browser();
    const page = await first.request('GET', `${op.base}/login`);
    const { json: theirs } = await postJson(first, '/login/passkey/options', { csrf: csrfOf(page) });
    const other = browser();
    const otherPage = await other.request('GET', `${op.base}/login`);
    const stolen = await other.request('POST', `${op.base}/login/passkey`, { csrf: csrfOf(otherPage), response: authenticator.get(theirs, origin) }, JSON_ACCEPT);
    expect(JSON.parse(stolen.body)).toMatchObject({ reason: 'challenge_unknown' });
    // A user handle that is not the credential's account's.
    const wrongHandle = await passkeyOnly(browser(), authenticator, { userHandle: Buffer.alloc(64, 1).toString('base64url') });
    expect(JSON.parse(wrongHandle.answer.body)).toMatchObject({ reason: 'user_handle_mismatch' });
    expect(await auditKinds(name)).toContain('passkey_refused');
  });

  it('removes a passkey (the last factor needs a fresh sign-in), audited; signing in then asks for the password alone', async () => {
    const name = await newUser();
    const b = browser();
    await enrol(b, name, new SoftAuthenticator());
    const owner = await b.request('GET', op.identifier(name));
    const action = /action="(\/account\/factors\/passkey\/[0-9a-f-]{36}\/remove)"/.exec(owner.body)![1]!;
    await db().query(`UPDATE sessions SET auth_time = now() - interval '11 minutes' WHERE user_id = (SELECT id FROM users WHERE username = $1)`, [name]);
    await new Promise((r) => setTimeout(r, 1100)); // the session cache's second
    const stale = await b.request('POST', `${op.base}${action}`, { csrf: csrfOf(owner) });
    expect(stale.headers.location).toBe('/login?fresh=1');
    await db().query(`UPDATE sessions SET auth_time = now() WHERE user_id = (SELECT id FROM users WHERE username = $1)`, [name]);
    await new Promise((r) => setTimeout(r, 1100));
    const removed = await b.request('POST', `${op.base}${action}`, { csrf: csrfOf(owner) });
    expect(removed.headers.location).toBe(op.identifier(name));
    expect(await auditKinds(name)).toContain('passkey_removed');
    expect((await passwordStep(browser(), name)).headers.location).toBe(op.identifier(name));
  });

  describe('with security.passkeys.sign_in off', () => {
    let off: LiveProvider;
    beforeAll(async () => {
      off = await startProvider({ server: { trusted_proxies: ['127.0.0.1'] }, security: { passkeys: { sign_in: false } } });
    });
    afterAll(() => off?.close());

    it('hides the passkey sign-in ("Use a passkey instead") and refuses its endpoints (404, structured); passkeys stay a second factor', async () => {
      const b = browser();
      const login = await b.request('GET', `${off.base}/login`);
      expect(login.status).toBe(200);
      expect(login.body).not.toContain('passkey');
      expect(login.body).not.toContain('/assets/passkeys.js');
      expect(String(login.headers['content-security-policy'])).not.toContain('connect-src');
      for (const [path, fields] of [['/login/passkey/options', {}], ['/login/passkey', { response: '{}' }]] as const) {
        const res = await b.request('POST', `${off.base}${path}`, { csrf: csrfOf(login), ...fields }, JSON_ACCEPT);
        expect(res.status, path).toBe(404);
        expect(JSON.parse(res.body), path).toMatchObject({ code: 'passkey_sign_in_disabled', status: 404 });
      }
      const name = uniqueName('viola');
      await off.app.get(UsersService).create({ domain: 'localhost', username: name, password: PASSWORD });
      const page = await b.request('GET', `${off.base}/login`);
      expect((await b.submit(page, { username: name, password: PASSWORD })).status).toBe(303);
      expect((await b.request('GET', off.identifier(name))).body).toContain('Add a passkey');
    });
  });
});

describe('a passkey step-up declined', () => {
  let op: LiveProvider;
  beforeAll(async () => {
    op = await startProvider({ server: { trusted_proxies: ['127.0.0.1'] } });
  });
  afterAll(() => op?.close());

  // PAPE 1.0 §5.1: preferred policies are preferences ("SHOULD satisfy as many as it can"). A
  // site asks for phishing-resistant of a session signed in with a recovery code; the code page
  // asks for the passkey; the person gives another code instead: the request goes on with what
  // was met (§5.2), it does not come back to the code page.
  it('answers with what was met instead of asking for the passkey again (no loop)', async () => {
    const name = uniqueName('cymbeline');
    await op.app.get(UsersService).create({ domain: 'localhost', username: name, password: PASSWORD });
    let b = new Browser({ 'x-forwarded-for': testAddress() });
    const signIn = async () => {
      const login = await b.request('GET', `${op.base}/login`);
      return b.submit(login, { username: name, password: PASSWORD });
    };
    expect((await signIn()).status).toBe(303);
    const owner = await b.request('GET', op.identifier(name));
    expect((await b.request('POST', `${op.base}/account/factors/passkey`, { csrf: csrfOf(owner) })).status).toBe(303);
    const setup = await b.request('GET', `${op.base}/account/factors/passkey`);
    const options = JSON.parse((await b.request('POST', `${op.base}/account/factors/passkey/options`, { csrf: csrfOf(setup) }, JSON_ACCEPT)).body) as Options;
    const done = await b.request('POST', `${op.base}/account/factors/passkey/register`, { csrf: csrfOf(setup), name: 'Laptop', response: new SoftAuthenticator().create(options, op.base) });
    const codes = [...done.body.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]!);
    expect(codes.length).toBeGreaterThan(2);

    // A new sign-in with the password and a recovery code: pwd, mfa (no passkey).
    b = new Browser({ 'x-forwarded-for': testAddress() });
    expect((await signIn()).headers.location).toBe('/login/code');
    const codePage = await b.request('GET', `${op.base}/login/code`);
    expect((await b.submit(codePage, { code: codes[0]! })).status).toBe(303);

    const realm = 'https://rp.example/';
    const returnTo = `${realm}return`;
    const query = new URLSearchParams({
      'openid.ns': 'http://specs.openid.net/auth/2.0',
      'openid.mode': 'checkid_setup',
      'openid.claimed_id': op.identifier(name),
      'openid.identity': op.identifier(name),
      'openid.return_to': returnTo,
      'openid.realm': realm,
      'openid.ns.pape': 'http://specs.openid.net/extensions/pape/1.0',
      'openid.pape.preferred_auth_policies': 'http://schemas.openid.net/pape/policies/2007/06/phishing-resistant',
    });
    const asked = await b.request('GET', `${op.base}/openid?${query.toString()}`);
    expect(asked.status).toBe(302);
    const stepUp = new URL(String(asked.headers.location), op.base);
    expect(stepUp.pathname).toBe('/login/code');
    expect(stepUp.searchParams.get('want')).toBe('passkey');
    const page = await b.request('GET', stepUp.href);
    expect(page.body).toContain('<input type="hidden" name="want" value="passkey">');
    const declined = await b.submit(page, { code: codes[1]! });
    expect(declined.status).toBeGreaterThanOrEqual(300);
    expect(declined.status).toBeLessThan(400);
    // On to the consent page of the same request (or the RP), never the code page again.
    expect(new URL(String(declined.headers.location), op.base).pathname).not.toBe('/login/code');
  });
});
