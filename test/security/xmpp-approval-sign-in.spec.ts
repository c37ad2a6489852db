import { NS_HTTP_AUTH } from '../../src/xmpp/http-auth.js';
import { firstChild, type XmlElement } from '../../src/xmpp/xml-node.js';
import type { XmppSession } from '../../src/xmpp/xmpp-session.js';
import { Browser, type BrowserResponse, type LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';
import { testAddress, testIpv6Prefix } from './browser.js';
import { askText, chatApp, startBotProvider } from '../xmpp/bot-harness.js';
import { capturedConnector, nextStanza, until } from '../xmpp/fixtures.js';
import { OpenIdBot } from '../../src/xmpp/bot/openid-bot.service.js';
import { HOSTS, startProsody, type Prosody } from '../xmpp/prosody.js';

// The other way of signing in, the approval from the chat app (XEP-0070, DESIGN.md "XMPP"), as an
// attacker tries it. Session fixation (OWASP ASVS 4.0 3.2.1): the session token and the CSRF token
// change when the approved sign-in completes, and the session the browser had before is over.
// Flooding (ASVS 2.2.1 anti-automation): the per-address limit of approval requests counts an IPv6
// client by its /64 (RFC 4291 §2.5.4). A real Prosody and the provider's bot as a component; the
// user's chat app answers "yes CODE"; addresses come through X-Forwarded-For from 127.0.0.1.

const PASSWORD = 'wherefore-art-thou';

function cookieValue(res: BrowserResponse, name: string): string | undefined {
  const line = ((res.headers['set-cookie'] as string[] | undefined) ?? []).find((c) => c.startsWith(`${name}=`));
  return line?.split(';')[0]!.slice(name.length + 1);
}

describe('sign-in approval from the chat app, attacked', () => {
  let prosody: Prosody;
  let op: LiveProvider;
  let app: XmppSession;
  const { connector } = capturedConnector();
  const romeo = uniqueName('romeo');

  beforeAll(async () => {
    prosody = await startProsody({ accounts: [{ user: romeo, password: PASSWORD }] });
    op = await startBotProvider(prosody, { approval: { max_per_account: 100, max_per_address: 3 } }, { server: { trusted_proxies: ['127.0.0.1'] } });
    await until(() => op.app.get(OpenIdBot).online(HOSTS.main), 10_000, 'the bot online');
    app = chatApp(connector, prosody, romeo, PASSWORD);
    app.start();
    await app.waitOnline(5000);
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await op?.close();
    await prosody?.dispose();
  });

  it('the session and CSRF tokens held before the approval are replaced when it completes, and the old session is over', async () => {
    // An address of its own (X-Forwarded-For from the trusted 127.0.0.1): the per-address flood
    // limit (3 here) counts every approval of this domain from one address in the last minute,
    // and on a shared PostgreSQL database other suites' approvals from 127.0.0.1 count too.
    const browser = new Browser({ 'x-forwarded-for': testAddress() });
    // Signed in already (with the XMPP password): the tokens an attacker could have fixed or read.
    const page = await browser.request('GET', `${op.base}/login`);
    const csrfBefore = cookieValue(page, '__Host-op-csrf')!;
    const signedIn = await browser.submit(page, { username: romeo, password: PASSWORD });
    expect(signedIn.status).toBe(303);
    const sessionBefore = cookieValue(signedIn, '__Host-op-session')!;
    const csrfAfterPassword = cookieValue(signedIn, '__Host-op-csrf')!;
    expect(csrfAfterPassword).not.toBe(csrfBefore);

    // Signs in again, by approval from the chat app, from the same browser.
    const owner = await browser.request('GET', `${op.base}/openid/${romeo}`);
    expect(owner.body).toContain('Sign out everywhere');
    const confirm = nextStanza(app, (s: XmlElement) => s.name === 'message' && firstChild(s, 'confirm', NS_HTTP_AUTH) !== undefined, 5000);
    const started = await browser.request('POST', `${op.base}/login`, { csrf: csrfAfterPassword, username: romeo, method: 'xmpp' });
    expect(started.status).toBe(303);
    const code = firstChild(await confirm, 'confirm', NS_HTTP_AUTH)!.attrs['id']!;
    expect(await askText(app, `yes ${code}`)).toBe(`Approved: the browser showing ${code} continues the sign-in.`);
    const waitingUrl = new URL(String(started.headers.location), op.base).toString();
    let done = await browser.request('GET', waitingUrl);
    for (let i = 0; i < 50 && done.status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      done = await browser.request('GET', waitingUrl);
    }
    expect(done.status).toBe(302);
    const sessionAfter = cookieValue(done, '__Host-op-session');
    const csrfAfter = cookieValue(done, '__Host-op-csrf');
    expect(sessionAfter).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrfAfter).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessionAfter).not.toBe(sessionBefore);
    expect(csrfAfter).not.toBe(csrfAfterPassword);

    // The session from before is over; the CSRF token from before no longer passes.
    const old = new Browser({ cookie: `__Host-op-session=${sessionBefore}` });
    expect((await old.request('GET', `${op.base}/openid/${romeo}`)).body).not.toContain('Sign out everywhere');
    const stale = await browser.request('POST', `${op.base}/account/notices`, { csrf: csrfAfterPassword, notices: 'off' }, { accept: 'application/json' });
    expect(stale.status).toBe(403);
    expect(JSON.parse(stale.body)).toMatchObject({ code: 'csrf_failed' });
    expect((await browser.request('GET', `${op.base}/openid/${romeo}`)).body).toContain('Sign out everywhere');
  }, 60_000);

  it('the flood limit per address counts an IPv6 client by its /64 (RFC 4291 §2.5.4): rotating the interface identifier sends no more requests', async () => {
    const prefix = testIpv6Prefix();
    const ask = async (address: string): Promise<number> => {
      const b = new Browser({ 'x-forwarded-for': address });
      const page = await b.request('GET', `${op.base}/login`);
      return (await b.submit(page, { username: uniqueName('flooded'), method: 'xmpp' })).status;
    };
    for (let i = 1; i <= 3; i++) expect(await ask(`${prefix}::${i}`), `request ${i}`).toBe(303);
    expect(await ask(`${prefix}:1:2:3:4`)).toBe(429);
    expect(await ask(`${prefix}::ffff`)).toBe(429);
    // Another /64 is another client.
    expect(await ask(`${testIpv6Prefix()}::1`)).toBe(303);
  }, 60_000);
});
