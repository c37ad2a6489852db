import { randomBytes, randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import tls from 'node:tls';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { client, xml } from '@xmpp/client';
import { component, xml as componentXml } from '@xmpp/component';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../common/tokens.js';
import { tryNormalizeUsername } from '../users/username.js';
import type { BackoffPolicy } from './backoff.js';
import { normalizeDomain, parseBareJid } from './jid.js';
import { SecureSocket, type CreatePreTlsParser, type SecureSocketOptions, type SecureSocketParams } from './secure-socket.js';
import { NS_PUBSUB, NS_VCARD_TEMP, VCARD4_NODE, profileFromVcards, vcard4FromPubsub, type VcardProfile } from './vcard-mapping.js';
import { parseXmppService, type XmppServiceAddress } from './xmpp-address.js';
import { networkReason, saslVerdict, XmppStanzaError, XmppUnavailable } from './xmpp-errors.js';
import { XmppSession, type IqHandler, type PresenceStatus, type XmppLink } from './xmpp-session.js';
import { childElements, namespaceOf, type XmlChild, type XmlElement } from './xml-node.js';

// The one place that talks to XMPP servers (STYLE.md §9): the only importer of @xmpp/client and
// @xmpp/component. Everything protocol-shaped around it (stanzas, vCards, JIDs, commands) is pure
// code working on XmlElement; TLS rules, timeouts and reconnect policy live here and in the two
// helpers it composes (secure-socket.ts, xmpp-session.ts).
//
// Passwords: used only inside the SASL PLAIN exchange over verified TLS, never logged, never put
// into an error, never kept after the check returns.

export interface XmppLoginRequest {
  /** `xmpp://host:port` (STARTTLS required) or `xmpps://host:port` (direct TLS). */
  readonly service: string;
  /** The XMPP domain; the server's certificate must be valid for it. */
  readonly domain: string;
  /** The JID localpart as typed (normalised here like every username). */
  readonly username: string;
  readonly password: string;
  /** PEM file of CA certificates to trust for this server, besides Node's bundled ones. */
  readonly caFile?: string;
  /** Budget of the whole check, from the TCP connect to the vCard. */
  readonly timeoutMs: number;
  /** Read the vCard on the same connection after a successful login (default true). */
  readonly fetchVcard?: boolean;
}

export type XmppLoginResult =
  | {
      readonly outcome: 'ok';
      /** The bare JID the server authenticated. */
      readonly jid: string;
      /**
       * The profile from the user's vCards; EMPTY_VCARD_PROFILE when they have none, undefined
       * when it could not be read this time (keep what was stored).
       */
      readonly vcard?: VcardProfile;
    }
  /** Wrong password or unknown account, indistinguishably (or credentials the server refused as malformed). */
  | { readonly outcome: 'invalid'; readonly condition: string }
  /**
   * The server says the account is disabled (RFC 6120 §6.5.1). Prosody answers this before it
   * checks the password, so it proves nothing about the password: a caller that shows it
   * differently from `invalid` tells anyone that this account exists and is disabled.
   */
  | { readonly outcome: 'disabled'; readonly condition: 'account-disabled' };

export type XmppBotCredentials =
  /** XEP-0114 external component: `component` is its domain, `secret` the shared secret. */
  | { readonly kind: 'component'; readonly service: string; readonly component: string; readonly secret: string }
  /** An ordinary account, over c2s like a user's chat app. */
  | { readonly kind: 'account'; readonly service: string; readonly jid: string; readonly password: string; readonly caFile?: string };

export interface XmppSessionRequest {
  readonly credentials: XmppBotCredentials;
  /** The XMPP domain served (pinged to notice dead connections). */
  readonly domain: string;
  readonly connectTimeoutMs: number;
  readonly backoff?: BackoffPolicy;
  readonly keepaliveMs?: number;
  readonly stableMs?: number;
  readonly status?: PresenceStatus;
  readonly presenceTo?: () => readonly string[] | Promise<readonly string[]>;
}

// Upper bound of what one credential check reads: a vCard with an embedded photo is a few hundred
// KiB (Prosody's default c2s stanza limit is 256 KiB); more than this is not a login exchange.
const LOGIN_MAX_BYTES = 2 * 1024 * 1024;
// How long a clean stream close may take before the socket is simply dropped.
const STOP_GRACE_MS = 1000;
// RFC 4616 §2: the PLAIN message carries UTF-8 without NUL; we also bound its size as the local
// account store does.
const MAX_PASSWORD_BYTES = 1024;

type Ltx = ReturnType<typeof xml>;
type XmlFactory = (name: string, attrs?: Record<string, string>, ...children: Array<Ltx | string>) => Ltx;
type ClientEntity = ReturnType<typeof client>;
interface StreamParser {
  write(chunk: string): void;
  on(event: 'element', listener: (element: Ltx) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
}
// @xmpp/xml's streaming parser; present at runtime on the exported `xml`, absent from its types.
const XmlParser = (xml as unknown as { Parser: new () => StreamParser }).Parser;

@Injectable()
export class XmppConnector {
  constructor(@Optional() @Inject(ROOT_LOGGER) private readonly logger?: Logger) {}

  /**
   * One-shot c2s login that answers whether `username`/`password` are valid for `domain`, and
   * reads the user's vCard on the same authenticated connection. Throws XmppUnavailable when no
   * verdict could be had (refused, DNS, TLS, timeout, stream error...).
   */
  async login(request: XmppLoginRequest): Promise<XmppLoginResult> {
    const started = Date.now();
    const deadline = started + request.timeoutMs;
    const address = serviceAddress(request.service);
    const domain = configuredDomain(request.domain);
    const username = tryNormalizeUsername(request.username);
    // Not worth a round trip: no server accepts these (RFC 6122 nodeprep; RFC 4616 §2 PLAIN).
    if (username === undefined || !plainPasswordAcceptable(request.password)) return { outcome: 'invalid', condition: 'malformed-request' };
    const ca = await this.trustedCas(request.caFile);

    const sockets: SecureSocket[] = [];
    const entity = this.c2sClient({ address, domain, username, password: request.password, ca, timeoutMs: request.timeoutMs, maxBytes: LOGIN_MAX_BYTES, sockets });
    let result: XmppLoginResult | undefined;
    try {
      const online = entity.start();
      online.catch(() => undefined);
      try {
        await beforeDeadline(online, deadline, () => destroyAll(sockets));
      } catch (error) {
        result = loginFailure(error);
      }
      if (result === undefined) {
        const jid = bareOf(String(entity.jid ?? `${username}@${domain}`));
        const vcard = request.fetchVcard === false ? undefined : await this.fetchVcard(entity, deadline);
        result = { outcome: 'ok', jid, vcard };
      }
      return result;
    } finally {
      await closeEntity(entity, () => destroyAll(sockets), result === undefined);
      this.logger?.info({ domain, outcome: result?.outcome ?? 'unavailable', ms: Date.now() - started }, 'XMPP credential check');
    }
  }

  /** A long-lived session (not started: call start()), as a component or an account. */
  openSession(request: XmppSessionRequest): XmppSession {
    const creds = request.credentials;
    const domain = configuredDomain(request.domain);
    const connect = creds.kind === 'component' ? this.componentLinkFactory(creds) : this.accountLinkFactory(creds);
    return new XmppSession({
      kind: creds.kind,
      connect,
      connectTimeoutMs: request.connectTimeoutMs,
      backoff: request.backoff,
      keepaliveMs: request.keepaliveMs,
      stableMs: request.stableMs,
      serverDomain: domain,
      status: request.status,
      presenceTo: request.presenceTo,
      // Jitter needs no secrecy, but Math.random is banned here (eslint): one source of randomness.
      random: () => randomInt(0, 2 ** 32) / 2 ** 32,
      log: (level, message, fields) => this.logger?.[level]({ ...fields }, message),
    });
  }

  // -------------------------------------------------------------------------------------------

  /**
   * An @xmpp/client entity whose only transport is our SecureSocket, that authenticates with
   * PLAIN over verified TLS only, never reconnects by itself and never uses FAST tokens.
   */
  private c2sClient(params: {
    address: XmppServiceAddress;
    domain: string;
    username: string;
    password: string;
    ca: readonly string[] | undefined;
    timeoutMs: number;
    maxBytes?: number;
    keepAliveMs?: number;
    sockets: SecureSocket[];
  }): ClientEntity {
    const entity = client({
      service: params.address.url,
      domain: params.domain,
      // A fixed resource would let two concurrent checks of one account kick each other off
      // (RFC 6120 §7.7.2.2, conflict): a random one per connection.
      resource: `openid-${randomBytes(6).toString('hex')}`,
      // The library's own timeout (stream open, stream close, sendReceive); ours covers the rest.
      timeout: params.timeoutMs,
      credentials: async (authenticate, mechanisms, _fast, connection) => {
        // RFC 6120 §13.8, RFC 4616 §5: PLAIN sends the password itself, so only over TLS whose
        // certificate we verified. The socket never reports a plaintext connection as connected,
        // so this cannot fail unless that guarantee breaks; it is the last line, kept on purpose.
        if (!connection.isSecure()) throw new XmppUnavailable('tls', 'refusing to authenticate over a connection without verified TLS');
        // PLAIN, not SCRAM-SHA-1: over verified TLS it is as safe, and its cost does not depend on
        // whether the account exists (the library's SCRAM costs ~0.7 s of CPU for a known account
        // and answers an unknown one at once: a timing oracle; STACK-NOTES.md §5b).
        if (!mechanisms.includes('PLAIN')) throw new XmppUnavailable('no_plain_mechanism', `the server offers ${mechanisms.join(', ') || 'no usable mechanism'} but not PLAIN`);
        // RFC 4616 §2: PLAIN carries UTF-8. @xmpp/base64 encodes with btoa, which takes one
        // character per byte (and throws on anything above U+00FF): hand it the UTF-8 bytes so.
        await authenticate({ username: utf8Bytes(params.username), password: utf8Bytes(params.password) }, 'PLAIN', undefined as unknown as Ltx);
      },
    });
    // Reconnecting is ours to decide (never for a check; with back-off for the bot).
    entity.reconnect.stop();
    // XEP-0484 FAST would have the server mint a login token at every check: neither use nor request one.
    Object.assign(entity.fast as object, { auth: () => Promise.resolve(false), saveToken: () => Promise.resolve(), fetchToken: () => Promise.resolve(undefined) });
    // An entity without an error listener throws on the first error event; errors reach us via start().
    entity.on('error', () => undefined);
    installTransport(entity, {
      domain: params.domain,
      ca: params.ca,
      connectTimeoutMs: params.timeoutMs,
      maxBytes: params.maxBytes,
      keepAliveMs: params.keepAliveMs,
      createParser: preTlsParser,
      onSocket: (socket) => params.sockets.push(socket),
    });
    return entity;
  }

  private async trustedCas(caFile: string | undefined): Promise<readonly string[] | undefined> {
    if (caFile === undefined) return undefined;
    let pem: string;
    try {
      pem = await readFile(caFile, 'utf8');
    } catch (error) {
      throw new XmppUnavailable('ca_file', `cannot read ca_file ${caFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new XmppUnavailable('ca_file', `ca_file ${caFile} holds no PEM certificate`);
    // `ca` replaces Node's default store, so the bundled roots are passed along: ca_file adds.
    return [...tls.rootCertificates, pem];
  }

  /** XEP-0054 §3.1 (own vCard: no `to`) and XEP-0292 §3.1 (own PEP node) in parallel. */
  private async fetchVcard(entity: ClientEntity, deadline: number): Promise<VcardProfile | undefined> {
    const budget = Math.max(1, deadline - Date.now());
    const request = (payload: Ltx) => entity.iqCaller.request(xml('iq', { type: 'get' }, payload), budget).then((iq: Ltx) => fromLtx(iq));
    const [temp, v4] = await Promise.allSettled([
      request(xml('vCard', { xmlns: NS_VCARD_TEMP })),
      request(xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: VCARD4_NODE, max_items: '1' }))),
    ]);
    // A stanza error (item-not-found, service-unavailable...) means "no such vCard"; anything
    // else (a timeout) means we do not know, and the caller keeps what it had.
    const unknown = [temp, v4].some((r) => r.status === 'rejected' && (r.reason as Error)?.name !== 'StanzaError');
    if (unknown) {
      this.logger?.warn({ reason: describeError([temp, v4].find((r) => r.status === 'rejected')?.reason) }, 'XMPP vCard could not be read');
      return undefined;
    }
    const vcardTemp = temp.status === 'fulfilled' ? childElements(temp.value, 'vCard', NS_VCARD_TEMP)[0] : undefined;
    const vcard4 = v4.status === 'fulfilled' ? vcard4FromPubsub(childElements(v4.value, 'pubsub', NS_PUBSUB)[0]) : undefined;
    return profileFromVcards({ vcardTemp, vcard4 });
  }

  private componentLinkFactory(creds: Extract<XmppBotCredentials, { kind: 'component' }>): (timeoutMs: number) => Promise<XmppLink> {
    // XEP-0114 has no TLS: the link must stay on loopback or a private network (config docs).
    const address = parseXmppService(creds.service, ['xmpp']);
    const domain = configuredDomain(creds.component);
    return async (timeoutMs) => {
      // XEP-0114 §3: the handshake is SHA-1(stream id + secret); the secret itself never travels.
      const entity = component({ service: address.url, domain, password: creds.secret });
      entity.reconnect.stop();
      const link = makeLink(entity as unknown as LinkEntity, componentXml as unknown as XmlFactory, () => (entity.socket as { destroy?: () => void } | null)?.destroy?.());
      const online = entity.start();
      online.catch(() => undefined);
      try {
        await beforeDeadline(online, Date.now() + timeoutMs, () => (entity.socket as { destroy?: () => void } | null)?.destroy?.());
      } catch (error) {
        await link.close();
        throw sessionFailure(error);
      }
      link.setJid(domain);
      (entity.socket as { setKeepAlive?: (on: boolean, ms: number) => void } | null)?.setKeepAlive?.(true, 30_000);
      return link;
    };
  }

  private accountLinkFactory(creds: Extract<XmppBotCredentials, { kind: 'account' }>): (timeoutMs: number) => Promise<XmppLink> {
    const address = serviceAddress(creds.service);
    const jid = parseBareJid(creds.jid);
    return async (timeoutMs) => {
      const ca = await this.trustedCas(creds.caFile);
      const sockets: SecureSocket[] = [];
      const entity = this.c2sClient({ address, domain: jid.domain, username: jid.local, password: creds.password, ca, timeoutMs, keepAliveMs: 30_000, sockets });
      const link = makeLink(entity as unknown as LinkEntity, xml as unknown as XmlFactory, () => destroyAll(sockets));
      const online = entity.start();
      online.catch(() => undefined);
      try {
        await beforeDeadline(online, Date.now() + timeoutMs, () => destroyAll(sockets));
      } catch (error) {
        await link.close();
        throw sessionFailure(error);
      }
      link.setJid(String(entity.jid));
      return link;
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Seams into @xmpp/client

interface TransportClass {
  prototype: { socketParameters(service: string): unknown; Socket: unknown };
}

/**
 * Replaces the entity's transports (TCP, TLS, WebSocket) by one: the library's direct-TLS
 * connection class, which we keep for its stream framing (header, footer, send), with our
 * SecureSocket as its socket and our parsing of the service address. Both xmpp:// and xmpps://
 * then run over a socket that only connects once TLS is verified (secure-socket.ts).
 */
function installTransport(entity: ClientEntity, options: SecureSocketOptions & { onSocket: (socket: SecureSocket) => void }): void {
  const transports = (entity as unknown as { transports: TransportClass[] }).transports;
  const Base = transports.find((T) => {
    try {
      return T.prototype.socketParameters('xmpps://probe.invalid:1') !== undefined;
    } catch {
      return false;
    }
  });
  if (Base === undefined) throw new Error('@xmpp/client has no TLS transport: cannot connect securely');
  const { onSocket, ...socketOptions } = options;
  const Verified = class extends (Base as unknown as new (...args: never[]) => object) {
    socketParameters(service: string): SecureSocketParams {
      const address = parseXmppService(service);
      return { host: address.host, port: address.port, tls: address.tls };
    }
  } as unknown as TransportClass;
  Verified.prototype.Socket = class extends SecureSocket {
    constructor() {
      super(socketOptions);
      onSocket(this);
    }
  };
  transports.splice(0, transports.length, Verified);
}

/** @xmpp/xml's streaming parser, for the few elements exchanged before TLS. */
const preTlsParser: CreatePreTlsParser = (handlers) => {
  const parser = new XmlParser();
  parser.on('element', (el: Ltx) => handlers.element(fromLtx(el)));
  parser.on('error', (error: Error) => handlers.error(error));
  return { write: (chunk) => parser.write(chunk) };
};

/** What makeLink needs of an @xmpp/client or @xmpp/component entity. */
interface LinkEntity {
  jid: unknown;
  send(element: Ltx): Promise<void>;
  stop(): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): void;
  iqCaller: { request(stanza: Ltx, timeout?: number): Promise<Ltx> };
  iqCallee: Record<'get' | 'set', (ns: string, name: string, handler: (ctx: { stanza: Ltx }) => unknown) => void>;
}

function makeLink(entity: LinkEntity, factory: XmlFactory, destroy: () => void): XmppLink & { setJid(jid: string): void } {
  let jid = '';
  let lastError: string | undefined;
  let settle: (value: { reason: string }) => void = () => undefined;
  const closed = new Promise<{ reason: string }>((resolve) => (settle = resolve));
  let gone = false;
  const onGone = () => {
    if (gone) return;
    gone = true;
    settle({ reason: lastError ?? 'connection closed' });
  };
  entity.on('error', (error: unknown) => {
    lastError = describeError(error);
  });
  entity.on('disconnect', onGone);
  entity.on('offline', onGone);
  return {
    get jid() {
      return jid;
    },
    setJid(value: string) {
      jid = value;
    },
    send: (stanza) => entity.send(toLtx(stanza, factory)),
    request: async (iq, timeoutMs) => {
      try {
        return fromLtx(await entity.iqCaller.request(toLtx(iq, factory), timeoutMs));
      } catch (error) {
        throw iqFailure(error);
      }
    },
    onStanza: (handler) => entity.on('stanza', (stanza: Ltx) => handler(fromLtx(stanza))),
    handleIq: (type, ns, name, handler: IqHandler) =>
      entity.iqCallee[type](ns, name, async (ctx) => {
        const answer = await handler(fromLtx(ctx.stanza));
        // @xmpp/iq: an Element is the payload (or an <error/>), any other truthy value an empty result.
        return answer === true ? {} : answer === undefined ? undefined : toLtx(answer, factory);
      }),
    closed,
    close: async () => {
      await closeEntity(entity, destroy, false);
      onGone();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Conversions between ltx elements and XmlElement

const MAX_DEPTH = 32;
const MAX_ELEMENTS = 20_000;

/** An ltx element as a plain XmlElement (bounded depth and size; namespaces and xml:lang resolved). */
export function fromLtx(el: Ltx, depth = 0, budget = { left: MAX_ELEMENTS }, inheritedLang: string | undefined = depth === 0 ? ancestorLang(el) : undefined): XmlElement {
  const own = (el.attrs as Record<string, unknown>)['xml:lang'];
  const lang = typeof own === 'string' ? own : inheritedLang;
  const children: XmlChild[] = [];
  for (const child of el.children as Array<Ltx | string>) {
    if (typeof child === 'string') children.push(child);
    else if (depth < MAX_DEPTH && budget.left-- > 0) children.push(fromLtx(child, depth + 1, budget, lang));
  }
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(el.attrs as Record<string, unknown>)) if (value !== undefined && value !== null) attrs[key] = String(value);
  const ns = el.getNS() as string | undefined;
  return { name: el.getName(), ...(ns ? { ns } : {}), ...(lang ? { lang } : {}), attrs, children };
}

/**
 * RFC 6120 §8.1.5: a stanza without xml:lang is in the language of its stream, the xml:lang of the
 * stream header (@xmpp/xml's parser makes that header every stanza's parent).
 */
function ancestorLang(el: Ltx): string | undefined {
  for (let at = (el as { parent?: Ltx | null }).parent, hops = 0; at && hops < MAX_DEPTH; at = (at as { parent?: Ltx | null }).parent, hops += 1) {
    const lang = (at.attrs as Record<string, unknown>)['xml:lang'];
    if (typeof lang === 'string') return lang;
  }
  return undefined;
}

/** An XmlElement as an ltx element of `factory` (each library's own, so `instanceof` holds). */
export function toLtx(node: XmlElement, factory: XmlFactory = xml as unknown as XmlFactory, parentNs: string | undefined = node.ns): Ltx {
  const attrs: Record<string, string> = { ...node.attrs };
  if (node.ns !== undefined && attrs['xmlns'] === undefined && node.ns !== parentNs) attrs['xmlns'] = node.ns;
  const ns = namespaceOf(node, parentNs);
  return factory(node.name, attrs, ...node.children.map((c) => (typeof c === 'string' ? c : toLtx(c, factory, ns))));
}

/** Parses one XML element from text (tests, fixtures); throws on anything else. */
export function parseXml(text: string): XmlElement {
  const parser = new XmlParser();
  let found: Ltx | undefined;
  let failure: Error | undefined;
  parser.on('element', (el: Ltx) => (found ??= el));
  parser.on('error', (error: Error) => (failure ??= error));
  parser.write(`<wrapper>${text}</wrapper>`);
  if (failure !== undefined || found === undefined) throw new Error(`not one XML element: ${failure?.message ?? 'nothing found'}`);
  return fromLtx(found);
}

/** Serialises an XmlElement (logs of stanza shapes in tests, fixtures). */
export function serializeXml(node: XmlElement): string {
  return toLtx(node).toString();
}

// ---------------------------------------------------------------------------------------------
// Failures, deadlines and clean-up

function serviceAddress(service: string): XmppServiceAddress {
  try {
    return parseXmppService(service);
  } catch (error) {
    throw new XmppUnavailable('not_configured', `xmpp.server ${JSON.stringify(service)}: ${(error as Error).message}`);
  }
}

function configuredDomain(domain: string): string {
  try {
    return normalizeDomain(domain);
  } catch (error) {
    throw new XmppUnavailable('not_configured', `domain ${JSON.stringify(domain)}: ${(error as Error).message}`);
  }
}

function plainPasswordAcceptable(password: string): boolean {
  return typeof password === 'string' && password.length > 0 && !password.includes('\u0000') && Buffer.byteLength(password, 'utf8') <= MAX_PASSWORD_BYTES;
}

/** A string as its UTF-8 bytes, one character per byte (what btoa-based encoders expect). */
function utf8Bytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

function bareOf(jid: string): string {
  const slash = jid.indexOf('/');
  return slash === -1 ? jid : jid.slice(0, slash);
}

/** Maps why start() failed to a login verdict, or throws XmppUnavailable. */
function loginFailure(error: unknown): XmppLoginResult {
  const name = (error as Error)?.name;
  if (name === 'SASLError') {
    const condition = String((error as { condition?: unknown }).condition ?? 'undefined-condition');
    const verdict = saslVerdict(condition);
    if (verdict === 'invalid') return { outcome: 'invalid', condition };
    if (verdict === 'disabled') return { outcome: 'disabled', condition: 'account-disabled' };
    throw new XmppUnavailable('sasl_failure', `SASL failure: ${condition}`);
  }
  throw sessionFailure(error);
}

/** Any failure to get online, as XmppUnavailable (SASL failures keep their condition in the detail). */
function sessionFailure(error: unknown): XmppUnavailable {
  if (error instanceof XmppUnavailable) return error;
  const name = (error as Error)?.name;
  const condition = (error as { condition?: unknown })?.condition;
  if (name === 'SASLError') return new XmppUnavailable('sasl_failure', `SASL failure: ${String(condition)}`);
  if (name === 'StreamError') return new XmppUnavailable('stream_error', `stream error: ${String(condition)}`);
  if (name === 'TimeoutError') return new XmppUnavailable('timeout', 'the server did not answer in time');
  return new XmppUnavailable(networkReason(error), `${name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

function iqFailure(error: unknown): Error {
  const name = (error as Error)?.name;
  if (name === 'StanzaError') return new XmppStanzaError(String((error as { condition?: unknown }).condition ?? 'undefined-condition'), (error as { type?: string }).type);
  if (name === 'TimeoutError') return new XmppUnavailable('timeout', 'no answer to the IQ in time');
  return sessionFailure(error);
}

function describeError(error: unknown): string {
  if (error instanceof XmppUnavailable) return error.reason;
  const name = (error as Error)?.name ?? 'Error';
  const condition = (error as { condition?: unknown })?.condition;
  return typeof condition === 'string' ? `${name}: ${condition}` : name;
}

/** Waits for `promise` until `deadline`; at the deadline, `onTimeout` drops the connection. */
async function beforeDeadline<T>(promise: Promise<T>, deadline: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new XmppUnavailable('timeout', 'the XMPP server did not answer in time'));
    }, Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes the stream (RFC 6120 §4.4) if it still can, and in any case drops the socket. */
async function closeEntity(entity: { stop(): Promise<unknown> }, destroy: () => void, skipGraceful: boolean): Promise<void> {
  if (!skipGraceful) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([entity.stop().catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS)))]);
    clearTimeout(timer);
  } else {
    entity.stop().catch(() => undefined);
  }
  destroy();
}

function destroyAll(sockets: readonly SecureSocket[]): void {
  for (const socket of sockets) socket.destroy();
}
