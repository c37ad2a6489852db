import openid from 'openid';
import { generateSync } from 'otplib';
import { DataSource } from 'typeorm';
import { SecondFactorService } from '../../src/auth/factors/second-factor.service.js';
import { Session } from '../../src/auth/session/session.entity.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { UsersService } from '../../src/users/users.service.js';
import { OpenIdBot } from '../../src/xmpp/bot/openid-bot.service.js';
import { NS_HTTP_AUTH } from '../../src/xmpp/http-auth.js';
import { childText, element, firstChild, type XmlElement } from '../../src/xmpp/xml-node.js';
import type { XmppSession } from '../../src/xmpp/xmpp-session.js';
import { Browser, startRelyingPartySite, type BrowserResponse, type LiveProvider, type RelyingPartySite } from '../helpers/live.js';
import { authenticate, extensions, verify } from '../helpers/rp.js';
import { uniqueName } from '../helpers/test-app.js';
import { askText, bodyOf, chatApp, droppableRelay, secretFile, startBotProvider } from '../xmpp/bot-harness.js';
import { capturedConnector, nextStanza, until } from '../xmpp/fixtures.js';
import { storeVcards } from '../xmpp/accounts-helpers.js';
import { HOSTS, startProsody, type Prosody } from '../xmpp/prosody.js';

// Sign-in approval from the chat app (XEP-0070) against a real Prosody: the login form's
// method=xmpp button, the confirm request the bot sends, every way of answering it (a <confirm/>
// echo, "yes CODE", "no CODE", an error), the timeout, replays, answers from another account, the
// waiting page in another browser, the flood limits, the bot offline, and a real RP end to end.

const PASSWORD = 'wherefore-art-thou';
const UUID = /^\/login\/approval\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let prosody: Prosody;
let op: LiveProvider;
let site: RelyingPartySite;
let relay: Awaited<ReturnType<typeof droppableRelay>>;
const { connector, lines } = capturedConnector();
const apps: XmppSession[] = [];
const romeo = uniqueName('romeo');
const juliet = uniqueName('juliet');

/** A fresh Prosody account (the per-account limit counts per user), online in its chat app. */
async function fresh(prefix = 'romeo'): Promise<{ user: string; app: XmppSession }> {
  const user = uniqueName(prefix);
  prosody.register({ user, password: PASSWORD });
  return { user, app: await online(user) };
}

async function online(user: string): Promise<XmppSession> {
  const app = chatApp(connector, prosody, user, PASSWORD);
  apps.push(app);
  app.start();
  await app.waitOnline(5000);
  return app;
}

beforeAll(async () => {
  prosody = await startProsody({ accounts: [romeo, juliet].map((user) => ({ user, password: PASSWORD })) });
  relay = await droppableRelay(Number(new URL(prosody.componentService).port));
  op = await startBotProvider(prosody, {
    bot: { component: HOSTS.component, service: `xmpp://127.0.0.1:${relay.port}`, secret_file: secretFile() },
    approval: { max_per_account: 3, max_per_address: 20 },
  });
  site = await startRelyingPartySite();
  await until(() => op.app.get(OpenIdBot).online(HOSTS.main), 5000, 'the bot online');
}, 30_000);

afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await site?.close();
  await op?.close();
  await relay?.close();
  await prosody?.dispose();
});

interface Started {
  waiting: BrowserResponse;
  url: string;
  confirm: XmlElement;
  code: string;
  thread: string;
}

const isConfirm = (s: XmlElement) => s.name === 'message' && s.attrs['from'] === HOSTS.component && firstChild(s, 'confirm', NS_HTTP_AUTH) !== undefined;

/** Opens the login page (or follows `startUrl` to it), presses "Confirm with my chat app". */
async function begin(browser: Browser, app: XmppSession, username: string, startUrl = `${op.base}/login`): Promise<Started> {
  const login = await browser.follow(startUrl, op.base);
  expect(login.status).toBe(200);
  expect(login.body).toContain('<button type="submit" name="method" value="xmpp" formnovalidate>Confirm with my chat app</button>');
  const confirm = nextStanza(app, isConfirm, 5000);
  const posted = await browser.submit(login, { username, method: 'xmpp' });
  expect(posted.status).toBe(303);
  const location = String(posted.headers.location);
  expect(location).toMatch(UUID);
  const url = new URL(location, op.base).toString();
  const waiting = await browser.request('GET', url);
  const stanza = await confirm;
  return { waiting, url, confirm: stanza, code: firstChild(stanza, 'confirm', NS_HTTP_AUTH)!.attrs['id']!, thread: childText(stanza, 'thread')! };
}

/** Reloads the waiting page (as its meta refresh does) until it stops waiting. */
async function settled(browser: Browser, url: string): Promise<BrowserResponse> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const page = await browser.request('GET', url);
    if (!(page.status === 200 && page.body.includes('http-equiv="refresh"'))) return page;
    if (Date.now() > deadline) throw new Error('the waiting page kept waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function echo(s: Started, extra: XmlElement[] = []): XmlElement {
  // XEP-0070 §4.6 accept, as Gajim sends it: the original <confirm/> and a body.
  const c = firstChild(s.confirm, 'confirm', NS_HTTP_AUTH)!;
  return element('message', { type: 'normal', to: HOSTS.component }, element('thread', {}, s.thread), element('body', {}, 'result'), element('confirm', { ...c.attrs, xmlns: NS_HTTP_AUTH }), ...extra);
}

function sessionCookie(res: BrowserResponse): string | undefined {
  return ((res.headers['set-cookie'] as string[] | undefined) ?? []).find((c) => c.startsWith('__Host-op-session='));
}

describe('approval from the chat app (XEP-0070)', () => {
  it('sends the confirm request, shows the waiting page, and signs in on a <confirm/> echo', async () => {
    const app = await online(romeo);
    const browser = new Browser();
    const s = await begin(browser, app, romeo);
    // XEP-0070 §4.5: a <message type='normal'> to the bare JID, with a thread, a body and the confirm.
    expect(s.confirm.attrs['type']).toBe('normal');
    expect(s.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(s.thread.length).toBeGreaterThan(10);
    expect(firstChild(s.confirm, 'confirm', NS_HTTP_AUTH)!.attrs).toMatchObject({ id: s.code, method: 'POST', url: `${op.base}/login` });
    expect(bodyOf(s.confirm)).toContain(`Someone (maybe you) is signing in to your identity page as ${romeo}@localhost.`);
    expect(bodyOf(s.confirm)).toContain(`Reply yes ${s.code} or no ${s.code}.`);

    expect(s.waiting.status).toBe(200);
    expect(s.waiting.body).toContain('<meta http-equiv="refresh" content="3">');
    expect(s.waiting.body).toContain(`<strong class="code">${s.code}</strong>`);
    expect(s.waiting.body).toMatch(/<div role="status" aria-live="polite"/);
    expect(s.waiting.body).toMatch(/<form method="post" action="\/login\/approval\/[0-9a-f-]+\/cancel">\s*<input type="hidden" name="csrf" value="[^"]+">/);
    expect(s.waiting.body).not.toContain('<script');
    expect(String(s.waiting.headers['content-security-policy'])).toContain("frame-ancestors 'none'");

    const answer = nextStanza(app, (m) => m.name === 'message' && m.attrs['from'] === HOSTS.component && bodyOf(m) !== undefined && !isConfirm(m), 5000);
    await app.send(echo(s));
    expect(bodyOf(await answer)).toBe(`Approved: the browser showing ${s.code} continues the sign-in.`);
    const done = await settled(browser, s.url);
    expect(done.status).toBe(302);
    expect(done.headers.location).toBe(`${op.base}/openid/${romeo}`);
    expect(sessionCookie(done)).toMatch(/^__Host-op-session=[A-Za-z0-9_-]{43}; Path=\/; SameSite=Lax; Secure; HttpOnly$/);
    // The account's row was made at this first sign-in, without a password hash.
    const user = await op.app.get(UsersService).find('localhost', romeo);
    expect(user).not.toBeNull();
    const sessions = await op.app.get(DataSource).getRepository(Session).find({ where: { userId: user!.id } });
    expect(sessions.map((x) => x.authMethod)).toEqual(['xmpp']);
    const owner = await browser.request('GET', `${op.base}/openid/${romeo}`);
    expect(owner.body).toContain('Sign out everywhere');
    // The identity page's notices toggle (a CSRF form like the others there).
    expect(owner.body).toContain('<form method="post" action="/account/notices" class="inline">');
    const csrf = /name="csrf" value="([^"]+)"/.exec(owner.body)![1]!;
    const forged = await browser.request('POST', `${op.base}/account/notices`, { csrf: 'x'.repeat(43), notices: 'off' });
    expect(forged.status).toBe(403);
    const toggled = await browser.request('POST', `${op.base}/account/notices`, { csrf, notices: 'off' });
    expect(toggled.status).toBe(303);
    expect((await op.app.get(UsersService).find('localhost', romeo))!.xmppNotices).toBe(false);
    expect((await browser.request('GET', `${op.base}/openid/${romeo}`)).body).toContain('Turn notices on');
    expect((await browser.request('POST', `${op.base}/account/notices`, { csrf, notices: 'maybe' })).status).toBe(400);

    // Replayed: a second echo finds nothing, a reload of the waiting page gives nothing.
    expect(await askText(app, `yes ${s.code}`)).toBe('No sign-in is waiting for that code (it may have expired).');
    // (the binding cookie went with the completion: the page is now refused to this browser too)
    const again = await browser.request('GET', s.url);
    expect(again.status).toBe(403);
    expect(sessionCookie(again)).toBeUndefined();
  });

  it('signs in on the chat reply "yes CODE" (lower case, as typed in Conversations)', async () => {
    const { user, app } = await fresh();
    const browser = new Browser();
    const s = await begin(browser, app, user);
    expect(await askText(app, `yes ${s.code.toLowerCase()}`)).toBe(`Approved: the browser showing ${s.code} continues the sign-in.`);
    const done = await settled(browser, s.url);
    expect(done.status).toBe(302);
    expect(sessionCookie(done)).toBeDefined();
  });

  // Issue 13: an account with an authenticator app is asked its code after the chat app's approval too.
  it('asks for the second factor after the approval, then signs in with amr [xmpp, otp, mfa]', async () => {
    const { user, app } = await fresh();
    const account = await op.app.get(UsersService).signedInByXmpp('localhost', user);
    const factors = op.app.get(SecondFactorService);
    const id = await factors.beginTotp(account);
    const secret = new URL((await factors.totpSetup(account, id))!.uri).searchParams.get('secret')!;
    expect(await factors.confirmTotp(account, id, generateSync({ secret, epoch: Math.floor(Date.now() / 1000) - 30 }))).toBe(true);
    const browser = new Browser();
    const s = await begin(browser, app, user);
    expect(await askText(app, `yes ${s.code}`)).toBe(`Approved: the browser showing ${s.code} continues the sign-in.`);
    const done = await settled(browser, s.url);
    expect(done.status).toBe(302);
    expect(done.headers.location).toBe('/login/code');
    // The approval alone signed nobody in.
    expect((await browser.request('GET', `${op.base}/openid/${user}`)).body).not.toContain('Sign out everywhere');
    const page = await browser.request('GET', `${op.base}/login/code`);
    expect(page.body).toContain('name="code"');
    const signedIn = await browser.submit(page, { code: generateSync({ secret }) });
    expect(signedIn.status).toBe(303);
    expect((await browser.request('GET', `${op.base}/openid/${user}`)).body).toContain('Sign out everywhere');
    const sessions = await op.app.get(DataSource).getRepository(Session).find({ where: { userId: account.id } });
    expect(sessions.map((x) => [x.authMethod, x.amr, x.factorPending])).toEqual([['xmpp', ['xmpp', 'otp', 'mfa'], false]]);
  });

  it('is denied by "no CODE": a message, no session', async () => {
    const { user, app } = await fresh();
    const browser = new Browser();
    const s = await begin(browser, app, user);
    expect(await askText(app, `no ${s.code}`)).toBe(`Denied: nobody was signed in with ${s.code}.`);
    const done = await settled(browser, s.url);
    expect(done.status).toBe(403);
    expect(done.body).toContain('The sign-in was denied from the chat app.');
    expect(sessionCookie(done)).toBeUndefined();
  });

  it('is denied by an error answer (Gajim: not-authorized)', async () => {
    const { user, app } = await fresh();
    const browser = new Browser();
    const s = await begin(browser, app, user);
    const c = firstChild(s.confirm, 'confirm', NS_HTTP_AUTH)!;
    // XEP-0070 §4.6: the deny is an error of type auth, not-authorized, mirroring the confirm.
    await app.send(
      element(
        'message',
        { type: 'error', to: HOSTS.component },
        element('thread', {}, s.thread),
        element('confirm', { ...c.attrs, xmlns: NS_HTTP_AUTH }),
        element('error', { type: 'auth' }, element('not-authorized', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' })),
      ),
    );
    const done = await settled(browser, s.url);
    expect(done.status).toBe(403);
    expect(sessionCookie(done)).toBeUndefined();
  });

  it('times out: a message, and a late "yes CODE" signs nobody in', async () => {
    const { user, app } = await fresh();
    const browser = new Browser();
    const s = await begin(browser, app, user);
    const id = s.url.split('/').pop()!;
    await op.app.get(DataSource).query(`UPDATE "login_approvals" SET "expires_at" = now() - interval '1 second' WHERE "id" = $1`, [id]);
    expect(await askText(app, `yes ${s.code}`)).toBe('No sign-in is waiting for that code (it may have expired).');
    const done = await browser.request('GET', s.url);
    expect(done.status).toBe(410);
    expect(done.body).toContain('Nobody confirmed this sign-in in time.');
    expect(sessionCookie(done)).toBeUndefined();
  });

  // Issue 11 point 6: XMPP approvals in the audit log (asked, approved, denied, expired) and in
  // the sign-in metrics (method xmpp_approval).
  it('records each step in the audit log and the sign-in metrics', async () => {
    // Events are stamped with this process's clock when recorded: earlier tests' are older.
    const since = new Date();
    await new Promise((r) => setTimeout(r, 5));
    const metric = async (name: string) => op.runtime.metrics.registry.getSingleMetricAsString(name);
    const count = (text: string, labels: string) => Number(new RegExp(`\\{${labels}\\} (\\d+)`).exec(text)?.[1] ?? 0);
    const before = await metric('openid_sign_ins_total');
    const accepted = await fresh();
    const browserA = new Browser();
    const sa = await begin(browserA, accepted.app, accepted.user);
    expect(await askText(accepted.app, `yes ${sa.code}`)).toContain('Approved');
    expect((await settled(browserA, sa.url)).status).toBe(302);
    const denied = await fresh();
    const browserD = new Browser();
    const sd = await begin(browserD, denied.app, denied.user);
    expect(await askText(denied.app, `no ${sd.code}`)).toContain('Denied');
    expect((await settled(browserD, sd.url)).status).toBe(403);
    const expired = await fresh();
    const browserE = new Browser();
    const se = await begin(browserE, expired.app, expired.user);
    await op.app.get(DataSource).query(`UPDATE "login_approvals" SET "expires_at" = now() - interval '1 second' WHERE "id" = $1`, [se.url.split('/').pop()!]);
    expect((await browserE.request('GET', se.url)).status).toBe(410);
    // A second look at the expired page records nothing more.
    expect((await browserE.request('GET', se.url)).status).toBe(410);

    const events = await op.app.get(AuditService).search({ domain: HOSTS.main, since, limit: 100 });
    const kinds = (kind: string) => events.filter((e) => e.kind === kind);
    expect(kinds('approval_requested')).toHaveLength(3);
    expect(kinds('approval_accepted')).toHaveLength(1);
    expect(kinds('approval_denied')).toHaveLength(1);
    expect(kinds('approval_expired')).toHaveLength(1);
    // The account of the accepted approval exists by then (its first sign-in): the event is in its history.
    const user = await op.app.get(UsersService).find(HOSTS.main, accepted.user);
    expect(kinds('approval_accepted')[0]!.userId).toBe(user!.id);
    expect(kinds('login_succeeded').filter((e) => e.userId === user!.id)).toHaveLength(1);
    const after = await metric('openid_sign_ins_total');
    expect(count(after, 'method="xmpp_approval",outcome="success"') - count(before, 'method="xmpp_approval",outcome="success"')).toBe(1);
    expect(count(after, 'method="xmpp_approval",outcome="failure"') - count(before, 'method="xmpp_approval",outcome="failure"')).toBe(2);
    const failures = await metric('openid_login_failures_total');
    expect(count(failures, 'reason="approval_denied"')).toBeGreaterThanOrEqual(1);
    expect(count(failures, 'reason="approval_expired"')).toBeGreaterThanOrEqual(1);
  });

  it('ignores an answer from another account, and refuses the waiting page to another browser', async () => {
    const { user, app } = await fresh();
    const other = await online(juliet);
    const browser = new Browser();
    const s = await begin(browser, app, user);
    expect(await askText(other, `yes ${s.code}`)).toBe('No sign-in is waiting for that code (it may have expired).');
    await other.send(echo(s));
    await new Promise((r) => setTimeout(r, 200));
    expect((await browser.request('GET', s.url)).body).toContain('http-equiv="refresh"');

    const stranger = new Browser();
    const elsewhere = await stranger.request('GET', s.url);
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body).toContain('This sign-in was started in another browser');
    expect(await askText(app, `yes ${s.code}`)).toMatch(/^Approved/);
    // Even once approved, only the browser that asked gets the session.
    const thief = await stranger.request('GET', s.url);
    expect(thief.status).toBe(403);
    expect(sessionCookie(thief)).toBeUndefined();
    expect((await settled(browser, s.url)).status).toBe(302);
  });

  it('is cancelled by the waiting page\'s button', async () => {
    const app = await online(juliet);
    const browser = new Browser();
    const s = await begin(browser, app, juliet);
    const cancelled = await browser.submit(s.waiting, {});
    expect(cancelled.status).toBe(303);
    expect(cancelled.headers.location).toBe('/login');
    expect(await askText(app, `yes ${s.code}`)).toBe('No sign-in is waiting for that code (it may have expired).');
    expect((await browser.request('GET', s.url)).status).toBe(410);
  });

  it('OpenID UI Extension 1.0 §5: a popup request keeps its compact layout and its opener on every page and hop of the approval', async () => {
    const { user, app } = await fresh('popup');
    const ui = new (openid as unknown as { UserInterface: new (options: Record<string, string>) => never }).UserInterface({ mode: 'popup' });
    const start = await authenticate(new openid.RelyingParty(`${site.origin}/verify`, `${site.origin}/`, false, false, [ui]), op.endpoint);
    const browser = new Browser();
    const redirect = await browser.request('GET', start);
    expect(redirect.headers['cross-origin-opener-policy']).toBe('unsafe-none');
    const s = await begin(browser, app, user, start);
    expect(s.waiting.headers['cross-origin-opener-policy']).toBe('unsafe-none');
    expect(s.waiting.body).toContain('<body class="popup">');
    const cancelled = await browser.submit(s.waiting, {});
    expect(cancelled.status).toBe(303);
    expect(String(cancelled.headers.location)).toMatch(/^\/login\?request=/);
    expect(cancelled.headers['cross-origin-opener-policy']).toBe('unsafe-none');
    const finished = await browser.request('GET', s.url);
    expect(finished.status).toBe(410);
    expect(finished.headers['cross-origin-opener-policy']).toBe('unsafe-none');
    expect(finished.body).toContain('<body class="popup">');
    // The same approval for a request without the extension keeps the usual policy.
    const other = await fresh('plain');
    const plain = await begin(new Browser(), other.app, other.user);
    expect(plain.waiting.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(plain.waiting.body).not.toContain('class="popup"');
  });

  it('end to end: a Prosody user signs in at a real RP by chat approval, the vCard fills SReg and AX, and the new-site notice comes', async () => {
    await storeVcards(prosody, { user: juliet, password: PASSWORD }, { vcardTemp: '<vCard xmlns="vcard-temp"><FN>Juliet Capulet</FN><EMAIL><INTERNET/><USERID>juliet@verona.example</USERID></EMAIL></vCard>' });
    const app = await online(juliet);
    const asked = [new extensions.SimpleRegistration({ email: 'required' }), new extensions.AttributeExchange({ 'http://axschema.org/contact/email': 'required' })];
    const relyingParty = new openid.RelyingParty(`${site.origin}/verify`, `${site.origin}/`, false, false, asked);
    // Identifier select: the RP knows only the OP identifier; the chat account picks the identity.
    const start = await authenticate(relyingParty, op.endpoint);
    const browser = new Browser();
    const s = await begin(browser, app, juliet, start);
    expect(bodyOf(s.confirm)).toContain(`signing in to ${site.origin}/ as ${juliet}@localhost`);
    expect(s.waiting.body).toContain(`<span class="realm">${site.origin}/</span>`);
    await app.send(echo(s));
    const consent = await browser.follow('', op.base, await settled(browser, s.url));
    expect(consent.body).toContain('name="decision"');
    // Read by the bot when the approval came (XEP-0054): the sign-in had no connection of its own.
    expect(consent.body).toContain('<span class="value">juliet@verona.example</span>');
    const notice = nextStanza(app, (m) => m.name === 'message' && m.attrs['from'] === HOSTS.component && (bodyOf(m) ?? '').includes('for the first time'), 5000);
    const form = new URLSearchParams();
    for (const m of consent.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.append(m[1]!, m[2]!);
    form.append('decision', 'allow_once');
    form.append('release', 'email');
    const back = await browser.request('POST', `${op.base}/consent`, form);
    expect([302, 303]).toContain(back.status);
    const location = String(back.headers.location);
    expect(location.startsWith(`${site.origin}/verify?`)).toBe(true);
    expect(new URL(location).searchParams.get('openid.mode')).toBe('id_res');
    const params = new URL(location).searchParams;
    expect(params.get('openid.sreg.email')).toBe('juliet@verona.example');
    const axAlias = [...params.keys()].find((k) => k.startsWith('openid.ax.type.') && params.get(k) === 'http://axschema.org/contact/email')!.slice('openid.ax.type.'.length);
    expect(params.get(`openid.ax.value.${axAlias}`)).toBe('juliet@verona.example');
    expect(await verify(relyingParty, location)).toMatchObject({ error: undefined, result: { authenticated: true, claimedIdentifier: op.identifier(juliet), email: 'juliet@verona.example' } });
    expect(bodyOf(await notice)).toContain(`Say "revoke ${site.origin}/"`);
  });

  // Issue 13 point 5: the request in the chat app is in the language of the login page that sent it
  // (RFC 6120 §8.1.5 xml:lang says which); the bot's answers are in the language of the answer.
  it('asks in French when the login page was French, and answers in the language of the reply', async () => {
    const { user, app } = await fresh('viola');
    const browser = new Browser({ 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' });
    const login = await browser.follow(`${op.base}/login`, op.base);
    expect(login.body).toMatch(/<html lang="fr"/);
    const confirm = nextStanza(app, isConfirm, 5000);
    expect((await browser.submit(login, { username: user, method: 'xmpp' })).status).toBe(303);
    const stanza = await confirm;
    const code = firstChild(stanza, 'confirm', NS_HTTP_AUTH)!.attrs['id']!;
    expect(stanza.attrs['xml:lang']).toBe('fr');
    expect(bodyOf(stanza)).toBe(
      `Quelqu’un (peut-être vous) se connecte à votre page d’identité en tant que ${user}@localhost.\nCode\u00a0: ${code} (la page de connexion affiche le même code).\nRépondez yes ${code} ou no ${code}.`,
    );
    const answer = nextStanza(app, (m) => m.name === 'message' && m.attrs['from'] === HOSTS.component && bodyOf(m) !== undefined && !isConfirm(m), 5000);
    await app.send(element('message', { type: 'chat', to: HOSTS.component, 'xml:lang': 'de' }, element('body', {}, `no ${code}`)));
    const denied = await answer;
    expect(denied.attrs['xml:lang']).toBe('de');
    expect(bodyOf(denied)).toBe(`Abgelehnt: Mit ${code} wurde niemand angemeldet.`);
  });

  it('asks in German for an RP that passed ui.lang=de (OpenID UI Extension 1.0 §4.2), and the new-site notice follows it', async () => {
    const { user, app } = await fresh('orsino');
    const ui = new (openid as unknown as { UserInterface: new (options: Record<string, string>) => never }).UserInterface({ lang: 'de' });
    const relyingParty = new openid.RelyingParty(`${site.origin}/verify`, `${site.origin}/`, false, false, [ui]);
    const browser = new Browser({ 'accept-language': 'en' });
    const login = await browser.follow(await authenticate(relyingParty, op.endpoint), op.base);
    const confirm = nextStanza(app, isConfirm, 5000);
    const posted = await browser.submit(login, { username: user, method: 'xmpp' });
    expect(posted.status).toBe(303);
    const stanza = await confirm;
    expect(stanza.attrs['xml:lang']).toBe('de');
    expect(bodyOf(stanza)).toMatch(new RegExp(`^Jemand \\(vielleicht Sie\\) meldet sich bei ${site.origin}/ als ${user}@localhost an\\.\\n`));
    const code = firstChild(stanza, 'confirm', NS_HTTP_AUTH)!.attrs['id']!;
    await app.send(element('message', { type: 'chat', to: HOSTS.component }, element('body', {}, `yes ${code}`)));
    const url = new URL(String(posted.headers.location), op.base).toString();
    const consent = await browser.follow('', op.base, await settled(browser, url));
    expect(consent.body).toContain('name="decision"');
    const notice = nextStanza(app, (m) => m.name === 'message' && m.attrs['from'] === HOSTS.component && (bodyOf(m) ?? '').includes(site.origin), 5000);
    const form = new URLSearchParams();
    for (const m of consent.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.append(m[1]!, m[2]!);
    form.append('decision', 'allow_once');
    expect([302, 303]).toContain((await browser.request('POST', `${op.base}/consent`, form)).status);
    const told = await notice;
    expect(told.attrs['xml:lang']).toBe('de');
    expect(bodyOf(told)).toMatch(new RegExp(`^Sie haben sich gerade zum ersten Mal bei ${site.origin}/ angemeldet\\.\\n`));
  });

  it('limits a flood: per account, then per address (429 login page)', async () => {
    const app = await online(juliet);
    const target = uniqueName('paris');
    const browser = new Browser();
    for (let i = 0; i < 3; i++) {
      const login = await browser.follow(`${op.base}/login`, op.base);
      expect((await browser.submit(login, { username: target, method: 'xmpp' })).status).toBe(303);
    }
    const login = await browser.follow(`${op.base}/login`, op.base);
    const refused = await browser.submit(login, { username: target, method: 'xmpp' });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.body).toContain('Too many confirmation requests. Try again in a minute.');
    expect(refused.body).toContain('name="password"');
    // From one address, new names each time: the address limit stops it too.
    let status = 0;
    for (let i = 0; i < 21 && status !== 429; i++) {
      const page = await browser.follow(`${op.base}/login`, op.base);
      status = (await browser.submit(page, { username: uniqueName('flood'), method: 'xmpp' })).status;
    }
    expect(status).toBe(429);
    void app;
  });

  it('answers the 503 "sign-in service unavailable" page while the bot is offline', async () => {
    await relay.close();
    const bot = op.app.get(OpenIdBot);
    await until(() => !bot.online('localhost'), 3000, 'the bot offline');
    const browser = new Browser();
    const login = await browser.follow(`${op.base}/login`, op.base);
    const res = await browser.submit(login, { username: uniqueName('late'), method: 'xmpp' });
    expect(res.status).toBe(503);
    expect(res.body).toContain('The sign-in service is unavailable right now.');
  });

  it('answers 400, never 500, for a waiting page id that is not ours', async () => {
    const browser = new Browser();
    expect((await browser.request('GET', `${op.base}/login/approval/not-a-uuid`)).status).toBe(400);
    const unknown = await browser.request('GET', `${op.base}/login/approval/00000000-0000-4000-8000-000000000000`);
    expect(unknown.status).toBe(404);
    // The page quotes its request id, as every error page does.
    expect(unknown.body).toContain(`request <code>${String(unknown.headers['x-request-id'])}</code>`);
  });

  it('never logs a code or a password', () => {
    expect(lines().join('\n')).not.toContain(PASSWORD);
  });
});
