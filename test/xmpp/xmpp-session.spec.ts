import { buildConfirmMessage, classifyApprovalStanza, NS_HTTP_AUTH } from '../../src/xmpp/http-auth.js';
import { element, firstChild, textOf, type XmlElement } from '../../src/xmpp/xml-node.js';
import { XmppStanzaError, XmppUnavailable } from '../../src/xmpp/xmpp-errors.js';
import type { XmppSession, XmppSessionHealth } from '../../src/xmpp/xmpp-session.js';
import { capturedConnector, nextStanza, until } from './fixtures.js';
import { COMPONENT_SECRET, HOSTS, startProsody, type Prosody } from './prosody.js';

// The long-lived session (the OpenID bot's link) against a real Prosody: as an XEP-0114
// component and as an ordinary account, with a second session playing the user's chat app.

const USER_PASSWORD = 'balcony-at-midnight';
const BOT_PASSWORD = 'bot-account-password';
const FAST_BACKOFF = { initialMs: 100, maxMs: 400 };

let prosody: Prosody;
const { connector, lines } = capturedConnector();
const sessions: XmppSession[] = [];

function componentSession(secret = COMPONENT_SECRET, presenceTo?: () => string[]): XmppSession {
  const session = connector.openSession({
    credentials: { kind: 'component', service: prosody.componentService, component: HOSTS.component, secret },
    domain: HOSTS.main,
    connectTimeoutMs: 3000,
    backoff: FAST_BACKOFF,
    keepaliveMs: 0,
    status: 'Say help',
    presenceTo,
  });
  sessions.push(session);
  return session;
}

function accountSession(user: string, password: string): XmppSession {
  const session = connector.openSession({
    credentials: { kind: 'account', service: prosody.c2s, jid: `${user}@${HOSTS.main}`, password, caFile: prosody.caFile },
    domain: HOSTS.main,
    connectTimeoutMs: 3000,
    backoff: FAST_BACKOFF,
    keepaliveMs: 0,
  });
  sessions.push(session);
  return session;
}

const chat = (to: string, body: string): XmlElement => element('message', { type: 'chat', to }, element('body', {}, body));
const bodyOf = (stanza: XmlElement) => {
  const body = firstChild(stanza, 'body');
  return body === undefined ? undefined : textOf(body);
};
const isChatFrom = (jid: string) => (s: XmlElement) => s.name === 'message' && (s.attrs['from'] ?? '').startsWith(jid) && bodyOf(s) !== undefined;

beforeAll(async () => {
  prosody = await startProsody({
    accounts: [
      { user: 'romeo', password: USER_PASSWORD },
      { user: 'juliet', password: USER_PASSWORD },
      { user: 'openid', password: BOT_PASSWORD },
    ],
  });
});

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.stop()));
  await prosody?.dispose();
});

describe('XmppSession as an XEP-0114 component', () => {
  let bot: XmppSession;
  let romeo: XmppSession;
  const botSent: XmlElement[] = [];

  beforeAll(async () => {
    bot = componentSession(COMPONENT_SECRET, () => [`romeo@${HOSTS.main}`]);
    bot.onSend((s) => botSent.push(s));
    romeo = accountSession('romeo', USER_PASSWORD);
    bot.start();
    romeo.start();
    await Promise.all([bot.waitOnline(5000), romeo.waitOnline(5000)]);
  });

  it('is online as the component\'s domain, and says so in its health', () => {
    expect(bot.jid).toBe(HOSTS.component);
    expect(bot.health()).toMatchObject({ state: 'online', jid: HOSTS.component, failures: 0 });
  });

  it('sends its presence to its contacts on connecting (a component has no server-side roster)', () => {
    expect(botSent.filter((s) => s.name === 'presence')).toEqual([
      element('presence', { from: HOSTS.component, to: `romeo@${HOSTS.main}` }, element('status', {}, 'Say help')),
    ]);
  });

  it('receives a chat message with the sender as the server authenticated it, and answers it (round trip)', async () => {
    const received = nextStanza(bot, isChatFrom(`romeo@${HOSTS.main}/`));
    await romeo.send(chat(HOSTS.component, 'help'));
    const message = await received;
    expect(message.attrs['from']).toMatch(new RegExp(`^romeo@${HOSTS.main}/openid-[0-9a-f]{12}$`));
    expect(message.attrs['to']).toBe(HOSTS.component);
    expect(bodyOf(message)).toBe('help');

    const answered = nextStanza(romeo, isChatFrom(HOSTS.component));
    await bot.send(chat(message.attrs['from']!, 'Commands: help, sites, revoke <site>'));
    const reply = await answered;
    expect(reply.attrs['from']).toBe(HOSTS.component);
    expect(bodyOf(reply)).toBe('Commands: help, sites, revoke <site>');
  });

  it('answers XEP-0199 pings, and any other IQ with service-unavailable (RFC 6120 §8.2.3)', async () => {
    await expect(romeo.request(element('iq', { type: 'get', to: HOSTS.component }, element('ping', { xmlns: 'urn:xmpp:ping' })), 3000)).resolves.toMatchObject({ name: 'iq', attrs: { type: 'result' } });
    const unknown = romeo.request(element('iq', { type: 'get', to: HOSTS.component }, element('query', { xmlns: 'urn:example:nothing' })), 3000);
    await expect(unknown).rejects.toBeInstanceOf(XmppStanzaError);
    await expect(unknown).rejects.toMatchObject({ condition: 'service-unavailable' });
  });

  it('carries an XEP-0070 approval both ways: <confirm/> echo and "yes CODE" (XEP-0070 §4.5-§4.6)', async () => {
    const pending = { code: '7K3QXW9D', thread: 'thread-1', user: `romeo@${HOSTS.main}` };
    const request = nextStanza(romeo, (s) => s.name === 'message' && firstChild(s, 'confirm', NS_HTTP_AUTH) !== undefined);
    await bot.send(buildConfirmMessage({ from: HOSTS.component, to: pending.user, code: pending.code, thread: pending.thread, site: 'https://app.example/', url: 'https://localhost/login', lang: 'en' }));
    const confirm = await request;
    expect(firstChild(confirm, 'confirm', NS_HTTP_AUTH)?.attrs).toMatchObject({ id: pending.code, method: 'POST', url: 'https://localhost/login' });
    expect(bodyOf(confirm)).toContain(`Reply yes ${pending.code} or no ${pending.code}.`);

    // Gajim/Psi: mirror <thread> and <confirm/>.
    const echo = nextStanza(bot, (s) => s.name === 'message' && (s.attrs['from'] ?? '').startsWith(pending.user));
    await romeo.send(element('message', { to: HOSTS.component }, element('thread', {}, pending.thread), firstChild(confirm, 'confirm', NS_HTTP_AUTH)!));
    expect(classifyApprovalStanza(await echo, pending)).toBe('accept');

    // Conversations, Dino, Monal: the user types the answer.
    const typed = nextStanza(bot, isChatFrom(pending.user));
    await romeo.send(chat(HOSTS.component, `no ${pending.code.toLowerCase()}`));
    expect(classifyApprovalStanza(await typed, pending)).toBe('deny');
  });

  it('reconnects with back-off after Prosody restarts, announcing itself again', async () => {
    const states: XmppSessionHealth['state'][] = [];
    const off = bot.onState((h) => states.push(h.state));
    const presencesBefore = botSent.filter((s) => s.name === 'presence').length;
    await prosody.restart();
    await until(() => bot.state === 'online' && states.includes('offline'), 8000, 'the component to come back');
    off();
    expect(states).toEqual(expect.arrayContaining(['offline', 'connecting', 'online']));
    expect(bot.health().failures).toBeGreaterThanOrEqual(1);
    expect(bot.health().lastError).toBeDefined();
    expect(botSent.filter((s) => s.name === 'presence').length).toBe(presencesBefore + 1);

    // The chat app reconnects too; the round trip works again.
    await romeo.waitOnline(8000);
    const received = nextStanza(bot, isChatFrom(`romeo@${HOSTS.main}/`));
    await romeo.send(chat(HOSTS.component, 'sites'));
    expect(bodyOf(await received)).toBe('sites');
  });

  it('refuses to send while offline instead of queueing silently', async () => {
    const idle = componentSession();
    await expect(idle.send(chat(`romeo@${HOSTS.main}`, 'hello'))).rejects.toBeInstanceOf(XmppUnavailable);
  });
});

describe('XmppSession with a wrong component secret', () => {
  it('stays offline, retrying with back-off, and reports why (XEP-0114 §3: handshake refused)', async () => {
    const session = componentSession('not-the-secret');
    session.start();
    await until(() => session.health().failures >= 2, 5000, 'two refused attempts');
    const health = session.health();
    expect(health.state).not.toBe('online');
    expect(health.lastError).toMatch(/stream_error|not-authorized/);
    await session.stop();
    expect(session.state).toBe('stopped');
    // Neither the right nor the wrong secret is ever logged.
    for (const line of lines()) {
      expect(line).not.toContain('not-the-secret');
      expect(line).not.toContain(COMPONENT_SECRET);
    }
  });
});

describe('XmppSession as an ordinary account', () => {
  it('signs in over STARTTLS, sends its initial presence (RFC 6121 §4.2) and chats with a user', async () => {
    const bot = accountSession('openid', BOT_PASSWORD);
    const juliet = accountSession('juliet', USER_PASSWORD);
    const sent: XmlElement[] = [];
    bot.onSend((s) => sent.push(s));
    bot.start();
    juliet.start();
    await Promise.all([bot.waitOnline(5000), juliet.waitOnline(5000)]);
    expect(bot.jid).toMatch(new RegExp(`^openid@${HOSTS.main}/openid-[0-9a-f]{12}$`));
    expect(sent[0]).toEqual(element('presence', {}));

    const received = nextStanza(bot, isChatFrom(`juliet@${HOSTS.main}/`));
    await juliet.send(chat(`openid@${HOSTS.main}`, 'profile'));
    expect(bodyOf(await received)).toBe('profile');
    const answered = nextStanza(juliet, isChatFrom(`openid@${HOSTS.main}/`));
    await bot.send(chat(`juliet@${HOSTS.main}`, 'Your profile: (empty)'));
    expect(bodyOf(await answered)).toBe('Your profile: (empty)');

    for (const line of lines()) {
      expect(line).not.toContain(BOT_PASSWORD);
      expect(line).not.toContain(USER_PASSWORD);
    }
  });
});
