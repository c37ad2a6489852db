import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { DataSource } from 'typeorm';
import { NS_HTTP_AUTH } from '../../src/xmpp/http-auth.js';
import { childText, firstChild, type XmlElement } from '../../src/xmpp/xml-node.js';
import type { XmppSession } from '../../src/xmpp/xmpp-session.js';
import { OpenIdBot } from '../../src/xmpp/bot/openid-bot.service.js';
import { Browser, type BrowserResponse, type LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';
import { askText, chatApp, startBotProvider } from '../xmpp/bot-harness.js';
import { capturedConnector, nextStanza, until } from '../xmpp/fixtures.js';
import { HOSTS, startProsody, type Prosody } from '../xmpp/prosody.js';

// An OpenID Connect sign-in where the person proves the account with the chat app (XEP-0070)
// through the same /login page: the approval continues the interaction, and the ID token says how
// (amr xmpp). A real Prosody, the provider's bot as a component, openid-client as the RP.

const PASSWORD = 'wherefore-art-thou';
const REDIRECT = 'http://127.0.0.1:9/callback';

describe('OpenID Connect sign-in by approval from the chat app', () => {
  let prosody: Prosody;
  let op: LiveProvider;
  let app: XmppSession;
  const { connector } = capturedConnector();
  const romeo = uniqueName('romeo');

  beforeAll(async () => {
    prosody = await startProsody({ accounts: [{ user: romeo, password: PASSWORD }] });
    // The approval flood limit is not tested here; on the shared PostgreSQL database other suites' approvals from 127.0.0.1 would count.
    op = await startBotProvider(prosody, { approval: { max_per_address: 1000 } }, { oidc: { clients: [{ client_id: 'spa', client_name: 'Balcony app', redirect_uris: [REDIRECT] }] } });
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

  it('signs in with "Confirm with my chat app" and comes back to the interaction; amr says xmpp', async () => {
    const config = await client.discovery(new URL(op.base), 'spa', undefined, client.None());
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const browser = new Browser();
    const login = await browser.follow(url.href, op.base);
    expect(login.body).toContain('name="interaction"');
    expect(login.body).toContain('Confirm with my chat app');
    const confirm = nextStanza(app, (s: XmlElement) => s.name === 'message' && firstChild(s, 'confirm', NS_HTTP_AUTH) !== undefined, 5000);
    const started = await browser.submit(login, { username: romeo, method: 'xmpp' });
    expect(started.status).toBe(303);
    const stanza = await confirm;
    const code = firstChild(stanza, 'confirm', NS_HTTP_AUTH)!.attrs['id']!;
    // The chat app and the waiting page say which application the sign-in is for.
    expect(childText(stanza, 'body')).toContain('signing in to Balcony app (http://127.0.0.1:9)');
    const waiting = await browser.request('GET', new URL(String(started.headers.location), op.base).toString());
    expect(waiting.body).toContain('Balcony app (http://127.0.0.1:9)');
    expect(await askText(app, `yes ${code}`)).toContain('Approved');
    const waitingUrl = new URL(String(started.headers.location), op.base).toString();
    let done: BrowserResponse = await browser.request('GET', waitingUrl);
    for (let i = 0; i < 50 && done.status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      done = await browser.request('GET', waitingUrl);
    }
    // Signed in: back to the interaction, then the consent page, then the RP.
    expect(String(done.headers.location)).toMatch(/^\/oidc\/interaction\//);
    let page = await browser.follow(new URL(String(done.headers.location), op.base).href, op.base);
    page = await browser.follow('', op.base, await browser.submit(page, { decision: 'allow_once' }));
    const tokens = await client.authorizationCodeGrant(config, new URL(String(page.headers.location)), { pkceCodeVerifier: verifier });
    expect(tokens.claims()!['amr']).toEqual(['xmpp']);
  });

  it('a refused "Confirm with my chat app" answers the login page still continuing the interaction', async () => {
    const config = await client.discovery(new URL(op.base), 'spa', undefined, client.None());
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const browser = new Browser();
    const login = await browser.follow(url.href, op.base);
    expect(login.body).toMatch(/to continue to <span class="realm">Balcony app<\/span>/);
    const uid = /name="interaction" value="([^"]+)"/.exec(login.body)![1]!;
    // Not a JID localpart (RFC 7622 §3.3.1: no "@" and no space in a localpart).
    const refused = await browser.submit(login, { username: 'not a user@all', method: 'xmpp' });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('is not a valid');
    expect(refused.body).toContain(`name="interaction" value="${uid}"`);
    expect(refused.body).toContain('Balcony app');
    // The password then signs in to the same authorization request.
    const signedIn = await browser.submit(refused, { username: romeo, password: PASSWORD });
    expect(String(signedIn.headers.location)).toBe(`/oidc/interaction/${uid}`);
  });

  it('once the interaction has expired, the waiting page says the sign-in was for an application, not the identity page', async () => {
    const config = await client.discovery(new URL(op.base), 'spa', undefined, client.None());
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
    const browser = new Browser();
    const login = await browser.follow(url.href, op.base);
    const uid = /name="interaction" value="([^"]+)"/.exec(login.body)![1]!;
    const confirm = nextStanza(app, (s: XmlElement) => s.name === 'message' && firstChild(s, 'confirm', NS_HTTP_AUTH) !== undefined, 5000);
    const started = await browser.submit(login, { username: romeo, method: 'xmpp' });
    expect(started.status).toBe(303);
    await confirm;
    const waitingUrl = new URL(String(started.headers.location), op.base).toString();
    expect((await browser.request('GET', waitingUrl)).body).toContain('Balcony app (http://127.0.0.1:9)');
    // The interaction goes (as at the end of its lifetime): its row is the SHA-256 of its uid.
    await op.app.get(DataSource).query(`DELETE FROM oidc_models WHERE model = 'Interaction' AND id = $1`, [createHash('sha256').update(uid).digest()]);
    const waiting = await browser.request('GET', waitingUrl);
    expect(waiting.status).toBe(200);
    expect(waiting.body).toContain('an application (its sign-in request has expired)');
    expect(waiting.body).not.toContain('your identity page');
    expect(waiting.body).not.toContain('Balcony app');
  });
});
