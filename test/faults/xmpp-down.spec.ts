import { inject } from 'vitest';
import { UsersService } from '../../src/users/users.service.js';
import type { XmppSession } from '../../src/xmpp/xmpp-session.js';
import { Browser, freePort, type BrowserResponse } from '../helpers/live.js';
import { bootApp, testConfig, uniqueName, type TestApp } from '../helpers/test-app.js';
import { askText, chatApp, secretFile } from '../xmpp/bot-harness.js';
import { capturedConnector } from '../xmpp/fixtures.js';
import { HOSTS, startProsody, type Prosody } from '../xmpp/prosody.js';
import { associate, assertionOf, checkAuthentication, checkidUrl, LOCAL_DISCOVERY, machineGet, PASSWORD, signIn, trustAlways, until, verifiableRelyingParty } from './helpers.js';

// The XMPP server down (a real Prosody, stopped and started again): only what needs it is
// affected, XMPP sign-ins (503, the login page saying the service is unavailable, within the
// configured xmpp.timeout) and the bot (readiness "degraded", never "not ready"); a domain of
// local accounts served by the same process, discovery, associations and check_authentication
// go on. When Prosody returns, the bot reconnects (src/xmpp/backoff.ts) and XMPP sign-ins work
// again, with no restart. Every wait is bounded.

/** xmpp.timeout of the XMPP domain: the bound of a sign-in while the server is away. */
const XMPP_TIMEOUT_S = 3;
/** The bot's back-off grows while Prosody is away (1 s, 2 s, 4 s … with jitter): generous on a loaded machine. */
const RECONNECT_MS = 45_000;

describe('XMPP server down and back (real Prosody)', () => {
  let prosody: Prosody;
  let op: TestApp;
  let xmppBase: string;
  let localBase: string;
  let rp: Awaited<ReturnType<typeof verifiableRelyingParty>>;
  let chat: XmppSession;
  const juliet = { user: uniqueName('juliet'), password: 'a-rose-by-any-other-name' };

  beforeAll(async () => {
    prosody = await startProsody({ accounts: [juliet] });
    const port = await freePort();
    // Two domains in one process: localhost's accounts live on Prosody (and it has the bot);
    // montague.lit, reached as 127.0.0.1 (in the test certificate), keeps its own accounts.
    xmppBase = `https://localhost:${port}`;
    localBase = `https://127.0.0.1:${port}`;
    op = await bootApp(
      testConfig({
        domains: [
          {
            name: HOSTS.main,
            base_url: xmppBase,
            accounts: 'xmpp',
            xmpp: { server: prosody.c2s, ca_file: prosody.caFile, timeout: `${XMPP_TIMEOUT_S}s`, bot: { component: HOSTS.component, service: prosody.componentService, secret_file: secretFile() } },
          },
          { name: 'montague.lit', base_url: localBase },
        ],
        server: { tls: inject('tls') },
        realm: LOCAL_DISCOVERY,
      }),
    );
    await op.app.listen(port, '127.0.0.1');
    rp = await verifiableRelyingParty();
    chat = chatApp(capturedConnector().connector, prosody, juliet.user, juliet.password);
    chat.start();
  }, 90_000);
  afterAll(async () => {
    await chat?.stop();
    await rp?.close();
    await op?.close();
    await prosody?.dispose();
  });

  const readiness = async (base: string): Promise<{ status: number; state?: string }> => {
    const res = await machineGet(`${base}/readyz`);
    return { status: res.status, state: res.status === 200 ? (JSON.parse(res.body) as { status: string }).status : undefined };
  };

  async function xmppSignIn(browser: Browser): Promise<{ res: BrowserResponse; ms: number }> {
    const page = await browser.request('GET', `${xmppBase}/login`);
    const start = Date.now();
    const res = await browser.submit(page, { username: juliet.user, password: juliet.password });
    return { res, ms: Date.now() - start };
  }

  /** A local account of montague.lit signs in and gets a stateless assertion verified, end to end. */
  async function localDomainWorks(): Promise<void> {
    const name = uniqueName('romeo');
    await op.app.get(UsersService).create({ domain: 'montague.lit', username: name, password: PASSWORD });
    const identity = `${localBase}/openid/${name}`;
    const xrds = await new Browser().request('GET', identity, undefined, { accept: 'application/xrds+xml' });
    expect(xrds.status).toBe(200);
    expect(xrds.body).toContain(`${localBase}/openid`);
    const browser = new Browser();
    await signIn(browser, localBase, name);
    await trustAlways(browser, localBase, `${localBase}/openid`, identity, rp);
    const assertion = assertionOf(await browser.request('GET', checkidUrl(`${localBase}/openid`, identity, rp, 'checkid_immediate')), rp.returnTo)!;
    expect(assertion.get('openid.mode')).toBe('id_res');
    expect((await checkAuthentication(`${localBase}/openid`, assertion)).fields['is_valid']).toBe('true');
    expect((await associate(`${localBase}/openid`)).fields['assoc_handle']).toBeTruthy();
    // Discovery and associations of the XMPP domain need nothing from Prosody either.
    expect((await new Browser().request('GET', `${xmppBase}/openid/${juliet.user}`, undefined, { accept: 'application/xrds+xml' })).status).toBe(200);
    expect((await associate(`${xmppBase}/openid`)).fields['assoc_handle']).toBeTruthy();
  }

  it('affects only XMPP sign-ins and the bot while Prosody is down, and both come back by themselves', async () => {
    // Up: the bot is online, XMPP sign-ins and bot commands work.
    await until('bot online', async () => (await readiness(xmppBase)).state === 'ok', 20_000, 200);
    await until('chat app online', async () => chat.health().state === 'online', 20_000, 100);
    expect(await askText(chat, 'help revoke')).toMatch(/^revoke /);
    expect((await xmppSignIn(new Browser())).res.status).toBe(303);

    await prosody.stop();
    // Readiness: still 200 (every OpenID endpoint works), "degraded" once the bot noticed.
    await until('readiness degraded', async () => (await readiness(xmppBase)).state === 'degraded', 20_000, 200);
    // An XMPP sign-in: refused as unavailable (503, the form again with the message), within the timeout.
    const down = await xmppSignIn(new Browser());
    expect(down.res.status).toBe(503);
    expect(down.res.body).toContain('The sign-in service is unavailable right now');
    expect(down.res.body).toContain('name="password"');
    expect(down.ms).toBeLessThan(XMPP_TIMEOUT_S * 1000 + 3000);
    // A machine (no HTML in its Accept) gets the problem document with Retry-After.
    const machine = new Browser({ accept: 'application/json' });
    const form = await machine.request('GET', `${xmppBase}/login`);
    const problem = await machine.submit(form, { username: juliet.user, password: juliet.password });
    expect(problem.status).toBe(503);
    expect(problem.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(problem.body)).toMatchObject({ status: 503, code: 'xmpp_unavailable' });
    expect(problem.headers['retry-after']).toBe('30');
    await localDomainWorks();
    expect((await readiness(localBase)).status).toBe(200);
    expect((await machineGet(`${xmppBase}/healthz`)).status).toBe(200);

    await prosody.start();
    // Back by themselves: the bot reconnects (readiness ok), sign-ins and commands work.
    const reconnectMs = await until('bot reconnected', async () => (await readiness(xmppBase)).state === 'ok', RECONNECT_MS, 250);
    process.stderr.write(`[xmpp-down] bot back ${reconnectMs} ms after Prosody\n`);
    await until('XMPP sign-in works again', async () => (await xmppSignIn(new Browser())).res.status === 303, 20_000, 250);
    await until('chat app online again', async () => chat.health().state === 'online', 20_000, 100);
    expect(await askText(chat, 'help revoke')).toMatch(/^revoke /);
  }, 150_000);
});
