import { element, type XmlElement } from '../../src/xmpp/xml-node.js';
import { XmppUnavailable } from '../../src/xmpp/xmpp-errors.js';
import { XmppSession, type IqHandler, type XmppLink, type XmppSessionOptions } from '../../src/xmpp/xmpp-session.js';
import { until } from './fixtures.js';

// XmppSession's policy (back-off, announcing, probes, keep-alive) with scripted links: no server.

class FakeLink implements XmppLink {
  readonly sent: XmlElement[] = [];
  readonly handlers: Array<{ type: string; ns: string; name: string; handler: IqHandler }> = [];
  private stanzaHandler: ((s: XmlElement) => void) | undefined;
  private settle!: (v: { reason: string }) => void;
  readonly closed = new Promise<{ reason: string }>((resolve) => (this.settle = resolve));
  answerPings = true;

  constructor(readonly jid: string) {}

  send(stanza: XmlElement): Promise<void> {
    this.sent.push(stanza);
    return Promise.resolve();
  }
  request(iq: XmlElement, timeoutMs: number): Promise<XmlElement> {
    this.sent.push(iq);
    if (this.answerPings) return Promise.resolve(element('iq', { type: 'result' }));
    return new Promise((_, reject) => setTimeout(() => reject(new XmppUnavailable('timeout', 'no answer')), Math.min(timeoutMs, 50)));
  }
  onStanza(handler: (s: XmlElement) => void): void {
    this.stanzaHandler = handler;
  }
  handleIq(type: 'get' | 'set', ns: string, name: string, handler: IqHandler): void {
    this.handlers.push({ type, ns, name, handler });
  }
  close(): Promise<void> {
    this.drop('closed by us');
    return Promise.resolve();
  }
  receive(stanza: XmlElement): void {
    this.stanzaHandler?.(stanza);
  }
  drop(reason: string): void {
    this.settle({ reason });
  }
}

function session(script: Array<FakeLink | Error>, overrides: Partial<XmppSessionOptions> = {}) {
  const links: FakeLink[] = [];
  let attempt = 0;
  const s = new XmppSession({
    kind: 'component',
    connect: () => {
      const next = script[Math.min(attempt, script.length - 1)]!;
      attempt += 1;
      if (next instanceof Error) return Promise.reject(next);
      links.push(next);
      return Promise.resolve(next);
    },
    connectTimeoutMs: 200,
    backoff: { initialMs: 20, maxMs: 80 },
    keepaliveMs: 0,
    serverDomain: 'montague.lit',
    random: () => 0,
    ...overrides,
  });
  return { s, links, attempts: () => attempt };
}

describe('XmppSession (scripted links)', () => {
  it('retries a refused connection with growing, capped delays and comes online', async () => {
    const started = Date.now();
    const link = new FakeLink('openid.montague.lit');
    const refused = new XmppUnavailable('connection_refused', 'down');
    const { s, attempts } = session([refused, refused, refused, refused, link]);
    s.start();
    await s.waitOnline(2000);
    // Equal jitter with random() = 0: half of 20, 40, 80, 80 ms = 10 + 20 + 40 + 40.
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(attempts()).toBe(5);
    expect(s.health()).toMatchObject({ state: 'online', jid: 'openid.montague.lit', failures: 4, lastError: 'connection_refused' });
    await s.stop();
  });

  it('goes offline when the link drops, reconnects, and announces itself each time', async () => {
    const first = new FakeLink('openid.montague.lit');
    const second = new FakeLink('openid.montague.lit');
    const { s } = session([first, second], { presenceTo: () => ['romeo@montague.lit'] });
    s.start();
    await s.waitOnline(1000);
    first.drop('stream_error: system-shutdown');
    await until(() => s.state === 'online' && s.health().failures === 1, 1000, 'the second link');
    expect(s.health().lastError).toBe('stream_error: system-shutdown');
    for (const link of [first, second]) expect(link.sent.filter((x) => x.name === 'presence')).toEqual([element('presence', { from: 'openid.montague.lit', to: 'romeo@montague.lit' })]);
    // And a ping after the presence, before calling itself online.
    expect(second.sent.map((x) => x.name)).toEqual(['presence', 'iq']);
    await s.stop();
  });

  it('answers a presence probe as a component must (RFC 6121 §4.3.2), and passes every stanza on', async () => {
    const link = new FakeLink('openid.montague.lit');
    const { s } = session([link]);
    const seen: XmlElement[] = [];
    s.onStanza((x) => seen.push(x));
    s.onStanza(() => {
      throw new Error('a broken listener does not break the others');
    });
    s.start();
    await s.waitOnline(1000);
    link.receive(element('presence', { type: 'probe', from: 'Romeo@montague.lit/x', to: 'openid.montague.lit' }));
    await until(() => link.sent.some((x) => x.name === 'presence' && x.attrs['to'] === 'romeo@montague.lit'), 500, 'the probe answer');
    expect(seen).toHaveLength(1);
    await s.stop();
  });

  it('registers its IQ handlers (XEP-0199 ping first) on every link', async () => {
    const first = new FakeLink('a');
    const second = new FakeLink('a');
    const { s } = session([first, second]);
    s.handleIq('get', 'http://jabber.org/protocol/disco#info', 'query', () => true);
    s.start();
    await s.waitOnline(1000);
    first.drop('gone');
    await until(() => second.handlers.length > 0 && s.state === 'online', 1000, 'the second link');
    for (const link of [first, second]) expect(link.handlers.map((h) => h.ns)).toEqual(['urn:xmpp:ping', 'http://jabber.org/protocol/disco#info']);
    await s.stop();
  });

  it('drops a link whose server stops answering pings, and reconnects', async () => {
    const dead = new FakeLink('a');
    const fresh = new FakeLink('a');
    const { s } = session([dead, fresh], { keepaliveMs: 30 });
    s.start();
    await s.waitOnline(1000);
    dead.answerPings = false;
    await until(() => s.health().failures === 1 && s.state === 'online', 2000, 'the keep-alive to notice');
    expect(s.health().lastError).toBe('closed by us');
    await s.stop();
  });

  it('stops at once, even in the middle of a long back-off', async () => {
    const { s } = session([new XmppUnavailable('dns', 'no such host')], { backoff: { initialMs: 60_000, maxMs: 60_000 } });
    s.start();
    await until(() => s.state === 'offline', 1000, 'the first failure');
    const started = Date.now();
    await s.stop();
    expect(Date.now() - started).toBeLessThan(200);
    expect(s.state).toBe('stopped');
    await expect(s.send(element('message'))).rejects.toBeInstanceOf(XmppUnavailable);
  });

  it('starts the back-off over after a connection that stayed up (stableMs)', async () => {
    const links = [new FakeLink('a'), new FakeLink('a'), new FakeLink('a')];
    const { s } = session(links, { stableMs: 0, backoff: { initialMs: 20, maxMs: 10_000 } });
    s.start();
    await s.waitOnline(1000);
    for (const i of [0, 1]) {
      const before = Date.now();
      links[i]!.drop('gone');
      await until(() => s.health().failures === i + 1 && s.state === 'online', 1000, 'reconnect');
      // Always the first window again (half of 20 ms), never the doubled one.
      expect(Date.now() - before).toBeLessThan(200);
    }
    await s.stop();
  });
});
