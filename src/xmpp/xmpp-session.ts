import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { bareJid, tryParseJid } from './jid.js';
import { XmppUnavailable } from './xmpp-errors.js';
import { element, type XmlElement } from './xml-node.js';

// A long-lived XMPP presence for the OpenID bot (and XEP-0070 approvals): stays connected,
// reconnects with back-off after every loss, announces itself on every (re)connect, and lets the
// bot send and receive stanzas without knowing which library or connection carries them. The
// connection itself (an XEP-0114 component or a c2s account) comes from a LinkFactory that
// xmpp-connector.ts provides; everything here is plain TypeScript.

export const NS_PING = 'urn:xmpp:ping';

/** One live, authenticated connection. */
export interface XmppLink {
  /** Our address on this connection: the component's domain, or the account's full JID. */
  readonly jid: string;
  send(stanza: XmlElement): Promise<void>;
  /** IQ request and its result (RFC 6120 §8.2.3); rejects on an error reply or the timeout. */
  request(iq: XmlElement, timeoutMs: number): Promise<XmlElement>;
  /** Called for every incoming stanza (message, presence, iq). */
  onStanza(handler: (stanza: XmlElement) => void): void;
  /**
   * Answers IQ requests of one payload: the handler returns the result's payload, `true` for an
   * empty result, an <error/> element for an error reply, or `undefined` for service-unavailable
   * (RFC 6120 §8.2.3: every get and set gets an answer).
   */
  handleIq(type: 'get' | 'set', ns: string, name: string, handler: IqHandler): void;
  /** Settles (never rejects) once the connection is gone, with a reason safe to log. */
  readonly closed: Promise<{ readonly reason: string }>;
  close(): Promise<void>;
}

export type IqResult = XmlElement | true | undefined;
export type IqHandler = (request: XmlElement) => IqResult | Promise<IqResult>;

/** Opens one link within `timeoutMs`, or rejects (XmppUnavailable or an authentication failure). */
export type LinkFactory = (timeoutMs: number) => Promise<XmppLink>;

export type XmppSessionState = 'idle' | 'connecting' | 'online' | 'offline' | 'stopped';

export interface XmppSessionHealth {
  readonly state: XmppSessionState;
  /** When the session entered this state. */
  readonly since: Date;
  readonly jid?: string;
  /** Why the last connection ended or the last attempt failed (no secrets, no stanza content). */
  readonly lastError?: string;
  /** Connections lost or refused since start. */
  readonly failures: number;
}

export interface XmppSessionOptions {
  readonly kind: 'component' | 'account';
  readonly connect: LinkFactory;
  /** Budget of one connection attempt. */
  readonly connectTimeoutMs: number;
  readonly backoff?: BackoffPolicy;
  /** Online this long, a connection counts as stable and the back-off starts over (default 60 s). */
  readonly stableMs?: number;
  /** XEP-0199 ping to the server this often to notice a dead connection (0: never; default 60 s). */
  readonly keepaliveMs?: number;
  /** The server's domain, to ping (XEP-0199 §4.2: client-to-server or component-to-server ping). */
  readonly serverDomain: string;
  /**
   * Presence status text (RFC 6121 §4.7.2.2), e.g. "Say help"; or one per language (language tag →
   * text), sent as several <status/> each with its xml:lang, which §4.7.2.2 allows.
   */
  readonly status?: PresenceStatus;
  /**
   * Component only: bare JIDs to send our presence to on every (re)connect. A component has no
   * server-side roster (XEP-0114), so nobody sees it online unless it says so to each contact.
   */
  readonly presenceTo?: () => readonly string[] | Promise<readonly string[]>;
  /** [0, 1) for the jitter; node:crypto in production (see xmpp-connector.ts). */
  readonly random: () => number;
  readonly log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

type Listener<T> = (value: T) => void;

export class XmppSession {
  private current: XmppLink | undefined;
  private status: XmppSessionState = 'idle';
  private since = new Date();
  private lastError: string | undefined;
  private failures = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly stanzaListeners = new Set<Listener<XmlElement>>();
  private readonly sendListeners = new Set<Listener<XmlElement>>();
  private readonly stateListeners = new Set<Listener<XmppSessionHealth>>();
  private readonly iqHandlers: Array<{ type: 'get' | 'set'; ns: string; name: string; handler: IqHandler }> = [];

  constructor(private readonly options: XmppSessionOptions) {
    // XEP-0199 §4.1: an entity that supports ping answers with an empty result.
    this.handleIq('get', NS_PING, 'ping', () => true);
  }

  get state(): XmppSessionState {
    return this.status;
  }

  /** Our current address (undefined while offline). */
  get jid(): string | undefined {
    return this.current?.jid;
  }

  health(): XmppSessionHealth {
    return { state: this.status, since: this.since, jid: this.current?.jid, lastError: this.lastError, failures: this.failures };
  }

  /** Starts connecting in the background; returns at once. */
  start(): void {
    if (this.loop || this.stopped) return;
    this.loop = this.run();
  }

  /** Goes offline (closing the stream cleanly) and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.current?.close().catch(() => undefined);
    await this.loop;
    this.setState('stopped');
  }

  /** Sends a stanza now, or fails with XmppUnavailable while offline (nothing is queued). */
  async send(stanza: XmlElement): Promise<void> {
    const link = this.current;
    if (link === undefined || this.status !== 'online') throw new XmppUnavailable('connection_lost', 'the XMPP session is offline');
    await link.send(stanza);
    for (const listener of this.sendListeners) listener(stanza);
  }

  async request(iq: XmlElement, timeoutMs: number): Promise<XmlElement> {
    const link = this.current;
    if (link === undefined || this.status !== 'online') throw new XmppUnavailable('connection_lost', 'the XMPP session is offline');
    return link.request(iq, timeoutMs);
  }

  /** Every incoming stanza; returns the unsubscribe function. */
  onStanza(listener: Listener<XmlElement>): () => void {
    this.stanzaListeners.add(listener);
    return () => this.stanzaListeners.delete(listener);
  }

  /** Every stanza this session sent (presence included): for audit, metrics and tests. */
  onSend(listener: Listener<XmlElement>): () => void {
    this.sendListeners.add(listener);
    return () => this.sendListeners.delete(listener);
  }

  onState(listener: Listener<XmppSessionHealth>): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Registers an IQ handler on the current and every future connection. */
  handleIq(type: 'get' | 'set', ns: string, name: string, handler: IqHandler): void {
    this.iqHandlers.push({ type, ns, name, handler });
    this.current?.handleIq(type, ns, name, handler);
  }

  /** Resolves when online (at once if already), rejects after `timeoutMs`. */
  waitOnline(timeoutMs: number): Promise<void> {
    if (this.status === 'online') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new XmppUnavailable('timeout', `not online within ${timeoutMs} ms (last error: ${this.lastError ?? 'none'})`));
      }, timeoutMs);
      const off = this.onState((h) => {
        if (h.state !== 'online') return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      this.setState('connecting');
      let link: XmppLink;
      try {
        link = await this.options.connect(this.options.connectTimeoutMs);
      } catch (error) {
        this.failures += 1;
        this.lastError = describe(error);
        this.setState('offline');
        this.options.log?.('warn', 'XMPP session could not connect', { kind: this.options.kind, error: this.lastError, attempt });
        await this.sleep(backoffDelay(attempt, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random));
        attempt += 1;
        continue;
      }
      if (this.stopped) {
        await link.close().catch(() => undefined);
        break;
      }
      const onlineAt = Date.now();
      this.current = link;
      link.onStanza((stanza) => this.dispatch(link, stanza));
      for (const h of this.iqHandlers) link.handleIq(h.type, h.ns, h.name, h.handler);
      // Announced first, then "online": whoever waits for online can count on the presence.
      await this.announce(link);
      this.setState('online');
      this.options.log?.('info', 'XMPP session online', { kind: this.options.kind, jid: link.jid });
      const keepalive = this.keepalive(link);
      const { reason } = await link.closed;
      clearInterval(keepalive);
      this.current = undefined;
      if (this.stopped) break;
      this.failures += 1;
      this.lastError = reason;
      this.setState('offline');
      this.options.log?.('warn', 'XMPP session lost', { kind: this.options.kind, reason });
      if (Date.now() - onlineAt >= (this.options.stableMs ?? 60_000)) attempt = 0;
      await this.sleep(backoffDelay(attempt, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random));
      attempt += 1;
    }
  }

  /** RFC 6121 §4.2 initial presence (account), or directed presence to each contact (component). */
  private async announce(link: XmppLink): Promise<void> {
    try {
      if (this.options.kind === 'account') {
        await this.sendOn(link, presence(undefined, undefined, this.options.status));
      } else {
        const targets = (await this.options.presenceTo?.()) ?? [];
        for (const to of targets) await this.sendOn(link, presence(link.jid, to, this.options.status));
      }
    } catch (error) {
      this.options.log?.('warn', 'XMPP presence could not be sent', { error: describe(error) });
      return;
    }
    // A server handles one stream's stanzas in order (RFC 6120 §10.1): once it answers a ping
    // sent after our presence, the presence is in effect, and a message to our bare JID will
    // reach us. Only then do we call ourselves online.
    try {
      await link.request(element('iq', { type: 'get', to: this.options.serverDomain }, element('ping', { xmlns: NS_PING })), this.options.connectTimeoutMs);
    } catch {
      // A server without XEP-0199 answers with an error, which is just as good a barrier.
    }
  }

  private async sendOn(link: XmppLink, stanza: XmlElement): Promise<void> {
    await link.send(stanza);
    for (const listener of this.sendListeners) listener(stanza);
  }

  private dispatch(link: XmppLink, stanza: XmlElement): void {
    // RFC 6121 §4.3.2: a probe asks for our current presence. A c2s server answers probes for
    // its accounts; a component must answer them itself.
    if (this.options.kind === 'component' && stanza.name === 'presence' && stanza.attrs['type'] === 'probe') {
      const from = tryParseJid(stanza.attrs['from']);
      if (from?.local !== undefined) void this.sendOn(link, presence(link.jid, bareJid(from), this.options.status)).catch(() => undefined);
    }
    for (const listener of this.stanzaListeners) {
      try {
        listener(stanza);
      } catch (error) {
        this.options.log?.('warn', 'XMPP stanza listener failed', { error: describe(error) });
      }
    }
  }

  private keepalive(link: XmppLink): NodeJS.Timeout | undefined {
    const every = this.options.keepaliveMs ?? 60_000;
    if (every <= 0) return undefined;
    const timer = setInterval(() => {
      const ping = element('iq', { type: 'get', to: this.options.serverDomain }, element('ping', { xmlns: NS_PING }));
      link.request(ping, Math.min(every, 15_000)).catch((error: unknown) => {
        // A server that answers the ping with an error is alive; only silence means a dead link.
        if (error instanceof XmppUnavailable && error.reason === 'timeout') {
          this.options.log?.('warn', 'XMPP ping unanswered: reconnecting', {});
          void link.close().catch(() => undefined);
        }
      });
    }, every);
    timer.unref();
    return timer;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private setState(state: XmppSessionState): void {
    if (state === this.status) return;
    this.status = state;
    this.since = new Date();
    const health = this.health();
    for (const listener of this.stateListeners) listener(health);
  }
}

/** A presence status, in one language or in several (language tag → text). */
export type PresenceStatus = string | Readonly<Record<string, string>>;

export function presence(from: string | undefined, to: string | undefined, status: PresenceStatus | undefined): XmlElement {
  if (status === undefined || typeof status === 'string') return element('presence', { from, to }, status === undefined ? undefined : element('status', {}, status));
  // RFC 6121 §4.7.2.2: several <status/> elements only if each has a distinct xml:lang.
  return element('presence', { from, to }, ...Object.entries(status).map(([lang, text]) => element('status', { 'xml:lang': lang }, text)));
}

/** A one-line, secret-free description of why connecting failed. */
function describe(error: unknown): string {
  if (error instanceof XmppUnavailable) return error.reason;
  if (error instanceof Error) {
    const condition = (error as { condition?: unknown }).condition;
    return typeof condition === 'string' ? `${error.name}: ${condition}` : error.name;
  }
  return 'unknown error';
}
