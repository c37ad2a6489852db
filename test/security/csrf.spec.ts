import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { LoginApprovalRepository } from '../../src/auth/approval/login-approval.repository.js';
import { CsrfGuard } from '../../src/http/csrf.js';
import { UsersService } from '../../src/users/users.service.js';
import { bootApp, testConfig, uniqueName, type TestApp } from '../helpers/test-app.js';
import { checkidSetupUrl, InjectedBrowser, type Answer } from './browser.js';
import { routesOf } from './routes.js';

// Cross-site request forgery on every form (OWASP ASVS 4.0 4.2.2 "the application enforces a
// strong anti-CSRF mechanism"; OWASP CSRF Prevention Cheat Sheet, double-submit cookie): each
// POST route with a form is posted from the signed-in victim's browser with the token missing,
// wrong, another user's, and with a right token from a foreign Origin. Every one is refused with
// the structured error (403 csrf_failed: problem+json for machines, the error page for
// browsers) and changes nothing; the same post with the right token then does change it, so the
// checks of "nothing changed" are proved able to see a change. The list of POST routes is read
// from the running application: a new form route that this suite does not cover fails it.

const PASSWORD = 'a good passphrase';
const BASE = 'https://example.org';

/** POST routes that are not forms: the OpenID endpoint takes direct requests from RPs (OpenID 2.0 §5.1) and indirect ones that carry no cookie-bound state change. */
const NOT_FORMS = new Set(['/openid']);

describe('CSRF on every form (OWASP ASVS 4.0 4.2.2)', () => {
  let t: TestApp;
  let romeo: string;
  let juliet: string;
  let victim: InjectedBrowser;
  let victimPhone: InjectedBrowser;
  let other: InjectedBrowser;
  let db: DataSource;

  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, realm: { return_to_verification: 'off' } }));
    db = t.app.get(DataSource);
    const users = t.app.get(UsersService);
    romeo = uniqueName('romeo');
    juliet = uniqueName('juliet');
    await users.create({ domain: 'example.org', username: romeo, password: PASSWORD, nickname: 'romy' });
    await users.create({ domain: 'example.org', username: juliet, password: PASSWORD });
    victim = new InjectedBrowser(t.app, 'example.org');
    victimPhone = new InjectedBrowser(t.app, 'example.org');
    other = new InjectedBrowser(t.app, 'example.org');
    expect((await victim.login({ username: romeo, password: PASSWORD })).status).toBe(303);
    expect((await victimPhone.login({ username: romeo, password: PASSWORD })).status).toBe(303);
    expect((await other.login({ username: juliet, password: PASSWORD })).status).toBe(303);
    // A trusted site of the victim's, to revoke.
    const consent = await victim.follow(checkidSetupUrl(BASE, romeo, 'https://trusted.example'));
    expect((await victim.submit(consent, { decision: 'allow_always' })).status).toBe(303);
  });
  afterAll(() => t?.close());

  const token = (b: InjectedBrowser) => b.cookie('__Host-op-csrf')!;

  async function userRow(): Promise<{ nickname: string | null; xmpp_notices: boolean }> {
    const [row] = (await db.query(`SELECT nickname, xmpp_notices FROM users WHERE domain = 'example.org' AND username = $1`, [romeo])) as { nickname: string | null; xmpp_notices: boolean }[];
    return row!;
  }
  async function sessionCount(): Promise<number> {
    const [row] = (await db.query(`SELECT count(*)::int AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = $1`, [romeo])) as { n: number }[];
    return row!.n;
  }
  async function grantIds(): Promise<string[]> {
    const rows = (await db.query(`SELECT g.id FROM trust_grants g JOIN users u ON u.id = g.user_id WHERE u.username = $1`, [romeo])) as { id: string }[];
    return rows.map((r) => r.id);
  }
  async function otherSessionId(): Promise<string> {
    const page = await victim.get(`/openid/${romeo}`);
    const ids = [...page.body.matchAll(/action="\/account\/sessions\/([0-9a-f-]{36})\/revoke"/g)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThan(0);
    return ids[0]!;
  }
  const signedIn = async (b: InjectedBrowser) => (await b.get(`/openid/${romeo}`)).body.includes('Sign out everywhere');

  /** Posts `fields` to `path` from the victim's browser with each forged token; every one must be refused. */
  async function forgeries(browser: InjectedBrowser, path: string, fields: Record<string, string>): Promise<void> {
    const attempts: { what: string; form: Record<string, string>; headers: Record<string, string> }[] = [
      { what: 'missing token', form: fields, headers: { accept: 'application/json' } },
      { what: 'wrong token', form: { ...fields, csrf: randomBytes(32).toString('base64url') }, headers: { accept: 'application/json' } },
      { what: "another user's token", form: { ...fields, csrf: token(other) }, headers: { accept: 'application/json' } },
      { what: 'empty token', form: { ...fields, csrf: '' }, headers: { accept: 'text/html' } },
      { what: 'right token, foreign Origin', form: { ...fields, csrf: token(browser) }, headers: { accept: 'text/html', origin: 'https://evil.example' } },
    ];
    for (const a of attempts) {
      const res: Answer = await browser.post(path, a.form, a.headers);
      const context = `${path}: ${a.what} → ${res.status} ${res.body.slice(0, 200)}`;
      expect(res.status, context).toBe(403);
      if (a.headers.accept === 'application/json') {
        expect(String(res.headers['content-type']), context).toMatch(/^application\/problem\+json/);
        expect(JSON.parse(res.body), context).toMatchObject({ status: 403, code: 'csrf_failed', title: 'Form expired', requestId: res.headers['x-request-id'] });
      } else {
        expect(String(res.headers['content-type']), context).toMatch(/^text\/html/);
        expect(res.body, context).toContain('This form is no longer valid.');
      }
      expect(res.headers['location'], context).toBeUndefined();
      expect(String(res.headers['set-cookie'] ?? ''), context).not.toContain('op-session=');
    }
  }

  it('covers every POST route of the application, and each has the CSRF guard', () => {
    const posts = routesOf(t.app).filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThan(5);
    const forms = posts.filter((r) => !NOT_FORMS.has(r.path));
    for (const r of forms) expect(r.guards, `${r.controller} POST ${r.path}`).toContain(CsrfGuard);
    expect(forms.map((r) => r.path).sort()).toEqual(
      [
        '/account/factors/passkey',
        '/account/factors/passkey/:id/remove',
        '/account/factors/passkey/options',
        '/account/factors/passkey/register',
        '/account/factors/recovery',
        '/account/factors/totp',
        '/account/factors/totp/:id',
        '/account/factors/totp/:id/remove',
        '/account/notices',
        '/account/profile',
        '/account/sessions/:id/revoke',
        '/account/trust/:id/revoke',
        '/consent',
        '/login',
        '/login/approval/:id/cancel',
        '/login/code',
        '/login/code/passkey',
        '/login/code/passkey/options',
        '/login/passkey',
        '/login/passkey/options',
        '/logout',
        '/logout-everywhere',
        '/oidc/interaction/:uid',
      ].sort(),
    );
  });

  it('POST /login (login CSRF: signing the victim in as the attacker)', async () => {
    const fresh = new InjectedBrowser(t.app, 'example.org');
    await fresh.get('/login');
    await forgeries(fresh, '/login', { username: juliet, password: PASSWORD });
    expect(fresh.cookie('__Host-op-session')).toBeUndefined();
    expect((await fresh.login({ username: juliet, password: PASSWORD })).status).toBe(303);
    expect(fresh.cookie('__Host-op-session')).toBeDefined();
  });

  it('POST /account/notices and /account/profile', async () => {
    await forgeries(victim, '/account/notices', { notices: 'off' });
    await forgeries(victim, '/account/profile', { nickname: 'pwned' });
    expect(await userRow()).toEqual({ nickname: 'romy', xmpp_notices: true });
    expect((await victim.post('/account/notices', { csrf: token(victim), notices: 'off' })).status).toBe(303);
    expect((await victim.post('/account/profile', { csrf: token(victim), nickname: 'romeo' })).status).toBe(303);
    expect(await userRow()).toEqual({ nickname: 'romeo', xmpp_notices: false });
  });

  it('POST /account/factors/… and /login/code (second factors, issue 13)', async () => {
    const factors = async () => ((await db.query(`SELECT count(*)::int AS n FROM second_factors f JOIN users u ON u.id = f.user_id WHERE u.username = $1`, [romeo])) as { n: number }[])[0]!.n;
    await forgeries(victim, '/account/factors/totp', {});
    expect(await factors()).toBe(0);
    const begun = await victim.post('/account/factors/totp', { csrf: token(victim) });
    expect(begun.status).toBe(303);
    const id = String(begun.headers['location']).split('/').pop()!;
    expect(await factors()).toBe(1);
    await forgeries(victim, `/account/factors/totp/${id}`, { code: '123456' });
    await forgeries(victim, `/account/factors/totp/${id}/remove`, {});
    await forgeries(victim, '/account/factors/recovery', {});
    await forgeries(victim, '/login/code', { code: '123456' });
    expect(await factors()).toBe(1);
    expect((await victim.post(`/account/factors/totp/${id}/remove`, { csrf: token(victim) })).status).toBe(303);
    expect(await factors()).toBe(0);
  });

  it('POST /account/factors/passkey/… and the passkey sign-in routes (passkeys, issue 13): no options, no passkey, no sign-in without the token', async () => {
    const challenges = async () => ((await db.query(`SELECT count(*)::int AS n FROM webauthn_challenges`)) as { n: number }[])[0]!.n;
    const before = await challenges();
    await forgeries(victim, '/account/factors/passkey', {});
    await forgeries(victim, '/account/factors/passkey/options', {});
    await forgeries(victim, '/account/factors/passkey/register', { name: 'x', response: '{}' });
    await forgeries(victim, '/account/factors/passkey/2b1f6f3e-9c4e-4d7a-8f00-0123456789ab/remove', {});
    await forgeries(victim, '/login/code/passkey/options', {});
    await forgeries(victim, '/login/code/passkey', { response: '{}' });
    const fresh = new InjectedBrowser(t.app, 'example.org');
    await fresh.get('/login');
    await forgeries(fresh, '/login/passkey/options', {});
    await forgeries(fresh, '/login/passkey', { response: '{}' });
    expect(await challenges()).toBe(before);
    // With the token, the options are given (a challenge stored).
    const options = await victim.post('/account/factors/passkey/options', { csrf: token(victim) }, { accept: 'application/json' });
    expect(options.status).toBe(200);
    expect(await challenges()).toBe(before + 1);
  });

  it('POST /account/trust/:id/revoke', async () => {
    const [grant] = await grantIds();
    expect(grant).toBeDefined();
    await forgeries(victim, `/account/trust/${grant}/revoke`, {});
    expect(await grantIds()).toEqual([grant]);
    expect((await victim.post(`/account/trust/${grant}/revoke`, { csrf: token(victim) })).status).toBe(303);
    expect(await grantIds()).toEqual([]);
  });

  it('POST /consent', async () => {
    const consent = await victim.follow(checkidSetupUrl(BASE, romeo, 'https://consent.example'));
    expect(consent.body).toContain('name="decision"');
    const request = /name="request" value="([^"]+)"/.exec(consent.body)![1]!;
    await forgeries(victim, '/consent', { request, decision: 'allow_always' });
    expect(await grantIds()).toEqual([]);
    // Still pending: the real form goes through, once.
    const back = await victim.submit(consent, { decision: 'allow_always' });
    expect(back.status).toBe(303);
    expect(String(back.headers.location)).toMatch(/^https:\/\/consent\.example\/return\?.*openid\.mode=id_res/);
    expect(await grantIds()).toHaveLength(1);
  });

  it('POST /account/sessions/:id/revoke and /logout-everywhere', async () => {
    const before = await sessionCount();
    const id = await otherSessionId();
    await forgeries(victim, `/account/sessions/${id}/revoke`, {});
    await forgeries(victim, '/logout-everywhere', {});
    expect(await sessionCount()).toBe(before);
    expect(await signedIn(victimPhone)).toBe(true);
    expect((await victim.post(`/account/sessions/${id}/revoke`, { csrf: token(victim) })).status).toBe(303);
    expect(await sessionCount()).toBe(before - 1);
  });

  it('POST /logout', async () => {
    await forgeries(victim, '/logout', {});
    expect(await signedIn(victim)).toBe(true);
    expect((await victim.post('/logout', { csrf: token(victim) })).status).toBe(303);
    expect(await signedIn(victim)).toBe(false);
  });

  it('POST /login/approval/:id/cancel (the chat-app approval waiting page)', async () => {
    const browserToken = randomBytes(32).toString('base64url');
    const now = new Date();
    const row = await t.app.get(LoginApprovalRepository, { strict: false }).insert({
      domain: 'example.org',
      username: romeo,
      jid: `${romeo}@example.org`,
      code: 'ABCD2345',
      thread: randomBytes(12).toString('hex'),
      browserHash: createHash('sha256').update(browserToken).digest(),
      requestId: null,
      interaction: null,
      realm: null,
      remember: false,
      ip: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + 120_000),
    });
    const waiting = new InjectedBrowser(t.app, 'example.org');
    waiting.cookies.set('__Host-op-approval', browserToken);
    const page = await waiting.get(`/login/approval/${row.id}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`action="/login/approval/${row.id}/cancel"`);
    const state = async () => ((await db.query(`SELECT state FROM login_approvals WHERE id = $1`, [row.id])) as { state: string }[])[0]!.state;
    await forgeries(waiting, `/login/approval/${row.id}/cancel`, {});
    expect(await state()).toBe('pending');
    expect((await waiting.submit(page, {})).status).toBe(303);
    expect(await state()).toBe('cancelled');
  });
});
