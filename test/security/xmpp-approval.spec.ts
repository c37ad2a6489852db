import { DataSource } from 'typeorm';
import { Random } from '../../src/common/random.js';
import { OpenIdBot } from '../../src/xmpp/bot/openid-bot.service.js';
import { generateTransactionCode, NS_HTTP_AUTH, TRANSACTION_CODE_ALPHABET, TRANSACTION_CODE_LENGTH } from '../../src/xmpp/http-auth.js';
import { childText, element, firstChild, type XmlElement } from '../../src/xmpp/xml-node.js';
import type { XmppSession } from '../../src/xmpp/xmpp-session.js';
import { Browser, type BrowserResponse, type LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';
import { askText, bodyOf, chatApp, droppableRelay, secretFile, startBotProvider } from '../xmpp/bot-harness.js';
import { capturedConnector, nextStanza, until } from '../xmpp/fixtures.js';
import { HOSTS, startProsody, type Prosody } from '../xmpp/prosody.js';

// Attacks on sign-in approval from the chat app (XEP-0070 §4.5-4.7, and its §8 Security
// Considerations: the transaction id must be unpredictable and is bound to one request), against
// a real Prosody: guessing the code (OWASP ASVS 2.7.3/2.7.4 out-of-band verifier: CSPRNG, single
// use, short-lived), replaying an answer, answering after expiry, and completing the sign-in
// from another browser than the one that asked (login CSRF / session-swap, ASVS 3.2.1).

const PASSWORD = 'wherefore-art-thou';
const APPROVAL_COOKIE = '__Host-op-approval';

let prosody: Prosody;
let op: LiveProvider;
let relay: Awaited<ReturnType<typeof droppableRelay>>;
const { connector } = capturedConnector();
const apps: XmppSession[] = [];

beforeAll(async () => {
  prosody = await startProsody({ accounts: [] });
  relay = await droppableRelay(Number(new URL(prosody.componentService).port));
  op = await startBotProvider(prosody, {
    bot: { component: HOSTS.component, service: `xmpp://127.0.0.1:${relay.port}`, secret_file: secretFile() },
    approval: { max_per_account: 20, max_per_address: 200 },
  });
  await until(() => op.app.get(OpenIdBot).online(HOSTS.main), 5000, 'the bot online');
}, 30_000);

afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await op?.close();
  await relay?.close();
  await prosody?.dispose();
});

async function fresh(): Promise<{ user: string; app: XmppSession }> {
  const user = uniqueName('romeo');
  prosody.register({ user, password: PASSWORD });
  const app = chatApp(connector, prosody, user, PASSWORD);
  apps.push(app);
  app.start();
  await app.waitOnline(5000);
  return { user, app };
}

const isConfirm = (s: XmlElement): boolean => s.name === 'message' && s.attrs['from'] === HOSTS.component && firstChild(s, 'confirm', NS_HTTP_AUTH) !== undefined;

interface Started {
  url: string;
  id: string;
  confirm: XmlElement;
  code: string;
  thread: string;
}

async function begin(browser: Browser, app: XmppSession, username: string): Promise<Started> {
  const login = await browser.request('GET', `${op.base}/login`);
  const confirm = nextStanza(app, isConfirm, 5000);
  const posted = await browser.submit(login, { username, method: 'xmpp' });
  expect(posted.status).toBe(303);
  const url = new URL(String(posted.headers.location), op.base).toString();
  expect((await browser.request('GET', url)).body).toContain('http-equiv="refresh"');
  const stanza = await confirm;
  return { url, id: url.split('/').pop()!, confirm: stanza, code: firstChild(stanza, 'confirm', NS_HTTP_AUTH)!.attrs['id']!, thread: childText(stanza, 'thread')! };
}

function echo(s: Started, id = s.code): XmlElement {
  const c = firstChild(s.confirm, 'confirm', NS_HTTP_AUTH)!;
  return element('message', { type: 'normal', to: HOSTS.component }, element('thread', {}, s.thread), element('confirm', { ...c.attrs, id, xmlns: NS_HTTP_AUTH }));
}

async function settled(browser: Browser, url: string): Promise<BrowserResponse> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const page = await browser.request('GET', url);
    if (!(page.status === 200 && page.body.includes('http-equiv="refresh"'))) return page;
    if (Date.now() > deadline) throw new Error('the waiting page kept waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sessionCookie = (res: BrowserResponse): string | undefined => ((res.headers['set-cookie'] as string[] | undefined) ?? []).find((c) => c.startsWith('__Host-op-session='));

/** Another code of the right shape, different from `code` in every position. */
function otherCode(code: string): string {
  return [...code].map((ch) => TRANSACTION_CODE_ALPHABET[(TRANSACTION_CODE_ALPHABET.indexOf(ch) + 1) % TRANSACTION_CODE_ALPHABET.length]).join('');
}

describe('XMPP approval codes (XEP-0070 §8, ASVS 2.7)', () => {
  it('draws codes from the CSPRNG: 8 symbols of 32 (40 bits), no repeats and near-uniform symbols over 4,000 draws', () => {
    const random = op.app.get(Random);
    const codes = Array.from({ length: 4000 }, () => generateTransactionCode(random.bytes));
    expect(TRANSACTION_CODE_LENGTH * Math.log2(TRANSACTION_CODE_ALPHABET.length)).toBeGreaterThanOrEqual(40);
    for (const code of codes) expect(code).toMatch(new RegExp(`^[${TRANSACTION_CODE_ALPHABET}]{${TRANSACTION_CODE_LENGTH}}$`));
    // Birthday bound for 4,000 draws of 2^40: a repeat has probability ~7e-6.
    expect(new Set(codes).size).toBe(codes.length);
    // Chi-square over 32,000 symbols, 31 degrees of freedom: 99.99th percentile is ~69.
    const counts = new Map<string, number>();
    for (const code of codes) for (const ch of code) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    const expected = (codes.length * TRANSACTION_CODE_LENGTH) / TRANSACTION_CODE_ALPHABET.length;
    const chi = [...TRANSACTION_CODE_ALPHABET].reduce((sum, ch) => sum + ((counts.get(ch) ?? 0) - expected) ** 2 / expected, 0);
    expect(chi).toBeLessThan(69);
  });

  it('a wrong code, from the right account, approves nothing (chat reply and <confirm/> echo)', async () => {
    const { user, app } = await fresh();
    const browser = new Browser();
    const s = await begin(browser, app, user);
    const wrong = otherCode(s.code);
    expect(await askText(app, `yes ${wrong}`)).toBe('No sign-in is waiting for that code (it may have expired).');
    // A prefix of the real code, and the code with one symbol changed.
    expect(await askText(app, `yes ${s.code.slice(0, 7)}`)).not.toMatch(/^Approved/);
    expect(await askText(app, `yes ${s.code.slice(0, 7)}${wrong[7]}`)).toBe('No sign-in is waiting for that code (it may have expired).');
    // An XEP-0070 <confirm/> echo carrying a wrong id: answered the same way.
    const answer = nextStanza(app, (m) => m.name === 'message' && m.attrs['from'] === HOSTS.component && bodyOf(m) !== undefined, 5000);
    await app.send(echo(s, wrong));
    expect(bodyOf(await answer)).toBe('No sign-in is waiting for that code (it may have expired).');
    const page = await browser.request('GET', s.url);
    expect(page.body).toContain('http-equiv="refresh"');
    expect(sessionCookie(page)).toBeUndefined();
    // The right one still works: the wrong guesses did not burn or unlock it.
    expect(await askText(app, `yes ${s.code}`)).toMatch(/^Approved/);
    expect((await settled(browser, s.url)).status).toBe(302);
  });

  it('is single use: a replayed "yes CODE" or <confirm/> echo after the sign-in changes nothing, and a reload sets no session', async () => {
    const { user, app } = await fresh();
    const browser = new Browser();
    const s = await begin(browser, app, user);
    expect(await askText(app, `yes ${s.code}`)).toMatch(/^Approved/);
    const done = await settled(browser, s.url);
    expect(done.status).toBe(302);
    expect(sessionCookie(done)).toBeDefined();
    expect(await askText(app, `yes ${s.code}`)).toBe('No sign-in is waiting for that code (it may have expired).');
    await app.send(echo(s));
    await new Promise((r) => setTimeout(r, 200));
    // The binding cookie went with the sign-in: a reload is refused (403), nothing is signed in again.
    const again = await browser.request('GET', s.url);
    expect([403, 410]).toContain(again.status);
    expect(sessionCookie(again)).toBeUndefined();
    const [row] = (await op.app.get(DataSource).query('SELECT state FROM login_approvals WHERE id = $1', [s.id])) as { state: string }[];
    expect(row!.state).toBe('completed');
  });

  it('a denied one cannot be approved afterwards ("no CODE", then "yes CODE")', async () => {
    const { user, app } = await fresh();
    const browser = new Browser();
    const s = await begin(browser, app, user);
    expect(await askText(app, `no ${s.code}`)).toMatch(/^Denied/);
    expect(await askText(app, `yes ${s.code}`)).toBe('No sign-in is waiting for that code (it may have expired).');
    const page = await settled(browser, s.url);
    expect(page.status).toBe(403);
    expect(sessionCookie(page)).toBeUndefined();
  });

  it('expires: once past its timeout, neither the code nor the waiting page signs anyone in', async () => {
    const { user, app } = await fresh();
    const browser = new Browser();
    const s = await begin(browser, app, user);
    await op.app.get(DataSource).query(`UPDATE "login_approvals" SET "expires_at" = now() - interval '1 second' WHERE "id" = $1`, [s.id]);
    expect(await askText(app, `yes ${s.code}`)).toBe('No sign-in is waiting for that code (it may have expired).');
    await app.send(echo(s));
    await new Promise((r) => setTimeout(r, 200));
    const page = await browser.request('GET', s.url);
    expect(page.status).toBe(410);
    expect(sessionCookie(page)).toBeUndefined();
  });

  it('is bound to the browser that asked: no cookie, a forged cookie, another browser\'s cookie get 403 and no session, before and after approval', async () => {
    const { user, app } = await fresh();
    const browser = new Browser();
    const s = await begin(browser, app, user);
    const other = await fresh();
    const attackerBrowser = new Browser();
    // The attacker's own approval gives them a genuine binding cookie, for another row.
    await begin(attackerBrowser, other.app, other.user);
    const attempts = async (): Promise<void> => {
      for (const cookie of [undefined, `${APPROVAL_COOKIE}=${'A'.repeat(43)}`, `${APPROVAL_COOKIE}=`]) {
        const res = await new Browser().request('GET', s.url, undefined, cookie === undefined ? {} : { cookie });
        expect(res.status).toBe(403);
        expect(sessionCookie(res)).toBeUndefined();
      }
      const res = await attackerBrowser.request('GET', s.url);
      expect(res.status).toBe(403);
      expect(res.body).toContain('This sign-in was started in another browser');
      expect(sessionCookie(res)).toBeUndefined();
      // Cancelling from elsewhere does nothing either.
      await attackerBrowser.request('POST', `${s.url}/cancel`, {});
    };
    await attempts();
    expect(await askText(app, `yes ${s.code}`)).toMatch(/^Approved/);
    await attempts();
    // The row is still there for its own browser, which alone completes it.
    const done = await settled(browser, s.url);
    expect(done.status).toBe(302);
    expect(sessionCookie(done)).toBeDefined();
  });
});
