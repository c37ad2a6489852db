import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { isFirstWorker } from '../../cluster.js';
import { Clock } from '../../common/clock.js';
import { ROOT_LOGGER } from '../../common/tokens.js';
import type { DomainConfig } from '../../config/config.schema.js';
import { Domains } from '../../config/domains.js';
import { uiConfig } from '../../config/namespaces.js';
import { LANGUAGES, lookup, negotiateLanguage, type Language, type LanguageSources } from '../../i18n/languages.js';
import { Locale, translate, type Text } from '../../i18n/locale.js';
import { Metrics } from '../../http/metrics.js';
import type { User } from '../../users/user.entity.js';
import { parseBotCommand } from '../bot-commands.js';
import { readApprovalReply, type ApprovalReply } from '../http-auth.js';
import { bareJid, tryParseJid } from '../jid.js';
import { readSecretFile } from '../secret-file.js';
import type { XmppBotCredentials } from '../xmpp-connector.js';
import { parseXml, serializeXml, XmppConnector } from '../xmpp-connector.js';
import { presence, type XmppSession, type XmppSessionHealth } from '../xmpp-session.js';
import { NS_PUBSUB, NS_VCARD_TEMP, VCARD4_NODE, profileFromVcards, vcard4FromPubsub, type VcardProfile } from '../vcard-mapping.js';
import { childElements, childText, element, type XmlElement } from '../xml-node.js';
import { BotCommandRunner } from './bot-command-runner.js';
import { TokenBuckets } from '../../common/token-buckets.js';

// The OpenID bot (DESIGN.md "XMPP"; issue 9 point 3): one long-lived XMPP session per domain
// with `xmpp.bot`, as an XEP-0114 component (preferred) or an ordinary account. It answers the
// chat commands of accounts of its own domain, tells users about sign-ins to sites they had not
// used before, and carries the XEP-0070 sign-in approvals (src/auth/approval) both ways.

/** Answers an approval reply; the text (if any) goes back to the sender as a chat line, in the reply's language. */
export type ApprovalReplyHandler = (domain: DomainConfig, reply: ApprovalReply) => Promise<Text | undefined>;

/**
 * What is known of the languages a person reads when the bot starts a conversation (a notice, an
 * approval request): those the web page that led to it was negotiated from (the switcher's choice,
 * the RP's ui.lang hints, Accept-Language). Nothing known: the operator's ui.default_language.
 */
export type ReaderLanguages = Omit<LanguageSources, 'fallback'>;

export interface BotHealth extends Omit<XmppSessionHealth, 'since'> {
  readonly domain: string;
  readonly kind: 'component' | 'account';
  readonly since: string;
}

interface BotEntry {
  readonly domain: DomainConfig;
  readonly kind: 'component' | 'account';
  session?: XmppSession;
  /** Set when the bot could not even be started (its secret file unreadable). */
  startError?: string;
  readonly limiter: TokenBuckets;
  /** One "slow down" line per sender now and then, not one per ignored message. */
  readonly warnings: TokenBuckets;
  /** Bare JIDs that wrote to us: a component has no roster, they get our presence (XEP-0114). */
  readonly contacts: Set<string>;
}

/**
 * With several workers (src/cluster.ts) one process holds the bot's XMPP link (a server takes one
 * connection per component): worker 0. The others relay through the primary: worker 0 tells them
 * the bot's health, they hand it stanzas to send. Everything the bot decides on (approvals,
 * grants, sessions) is in the database, so answers received by worker 0 reach every worker.
 */
export const BOT_RELAY = { health: 'openid-bot:health', send: 'openid-bot:send' } as const;
type RelayMessage = { type: typeof BOT_RELAY.health; bots: BotHealth[] } | { type: typeof BOT_RELAY.send; domain: string; stanza: string };
const RELAY_EVERY_MS = 2000;
/** Health older than this from worker 0 counts as offline (worker 0 is gone or restarting). */
const RELAY_STALE_MS = 3 * RELAY_EVERY_MS;

function isRelayMessage(value: unknown): value is RelayMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === BOT_RELAY.health || type === BOT_RELAY.send;
}

const MAX_CONTACTS = 5000;
export const CONNECT_TIMEOUT_MS = 10_000;
/** How long the bot waits for a user's vCard after an approval (README "Limits"). */
export const VCARD_TIMEOUT_MS = 3000;
/** The presence status in every language (RFC 6121 §4.7.2.2: one <status/> per xml:lang). */
const STATUS: Readonly<Record<string, string>> = Object.fromEntries(LANGUAGES.map((lang) => [lang, translate(lang, 'bot.status')]));

@Injectable()
export class OpenIdBot implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly bots = new Map<string, BotEntry>();
  /** ui.default_language: what the bot speaks to someone whose language it does not know. */
  private readonly defaultLanguage: Language;
  private readonly approvalHandlers = new Set<ApprovalReplyHandler>();
  /** Whether this process holds the XMPP links (the only process, or worker 0 of several). */
  private readonly holder = !cluster.isWorker || isFirstWorker();
  /** In the other workers: the health worker 0 last reported, and when. */
  private relayed: { bots: Map<string, BotHealth>; at: number } = { bots: new Map(), at: 0 };
  private relayTimer: NodeJS.Timeout | undefined;
  private readonly onRelay = (message: unknown): void => {
    if (isRelayMessage(message)) this.relay(message);
  };

  constructor(
    private readonly connector: XmppConnector,
    domains: Domains,
    private readonly commands: BotCommandRunner,
    private readonly clock: Clock,
    @Inject(Metrics) metrics: Metrics,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(uiConfig.KEY) ui: ConfigType<typeof uiConfig>,
  ) {
    this.defaultLanguage = ui.default_language;
    for (const domain of domains.all) {
      const bot = domain.xmpp?.bot;
      if (bot === undefined) continue;
      const rate = domain.xmpp!.chat_rate_limit;
      this.bots.set(domain.name, {
        domain,
        kind: 'component' in bot ? 'component' : 'account',
        limiter: new TokenBuckets({ burst: rate.burst, everyMs: rate.every * 1000 }),
        warnings: new TokenBuckets({ burst: 1, everyMs: 30_000 }),
        contacts: new Set(),
      });
    }
    const bots = this.bots;
    const online = (domain: string): boolean => this.online(domain);
    const failures = (entry: BotEntry): number => (this.holder ? (entry.session?.health().failures ?? 0) : (this.relayed.bots.get(entry.domain.name)?.failures ?? 0));
    new Gauge({
      name: 'xmpp_bot_online',
      help: 'Whether the OpenID bot of a domain is connected to its XMPP server (1) or not (0).',
      labelNames: ['domain'] as const,
      // Every worker reports the one link (worker 0's, relayed): the same value, not a sum.
      aggregator: 'max',
      registers: [metrics.registry],
      collect() {
        for (const entry of bots.values()) this.set({ domain: entry.domain.name }, online(entry.domain.name) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'xmpp_bot_connection_failures',
      help: 'Connections of the OpenID bot lost or refused since the process started, per domain.',
      labelNames: ['domain'] as const,
      aggregator: 'max',
      registers: [metrics.registry],
      collect() {
        for (const entry of bots.values()) this.set({ domain: entry.domain.name }, failures(entry));
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.bots.size === 0) return;
    if (cluster.isWorker) process.on('message', this.onRelay);
    if (!this.holder) return;
    await Promise.all([...this.bots.values()].map((entry) => this.start(entry)));
    if (cluster.isWorker) {
      this.relayTimer = setInterval(() => this.announce(), RELAY_EVERY_MS);
      this.relayTimer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.relayTimer);
    process.off('message', this.onRelay);
    await Promise.all([...this.bots.values()].map((entry) => entry.session?.stop()));
  }

  /** Worker 0: the bots' health to the other workers (through the primary). */
  private announce(): void {
    const message: RelayMessage = { type: BOT_RELAY.health, bots: this.health() };
    if (process.connected) process.send?.(message);
  }

  private relay(message: RelayMessage): void {
    if (message.type === BOT_RELAY.health) {
      if (!this.holder) this.relayed = { bots: new Map(message.bots.map((b) => [b.domain, b])), at: Date.now() };
      return;
    }
    if (!this.holder) return;
    let stanza: XmlElement;
    try {
      stanza = parseXml(message.stanza);
    } catch (error) {
      this.logger.warn({ err: error, domain: message.domain }, 'a relayed stanza did not parse');
      return;
    }
    const session = this.bots.get(message.domain)?.session;
    if (session?.state !== 'online') return;
    session.send(stanza).catch((error: unknown) => this.logger.warn({ err: error, domain: message.domain }, 'could not send a relayed stanza'));
  }

  private relayedHealth(domain: string): BotHealth | undefined {
    return Date.now() - this.relayed.at <= RELAY_STALE_MS ? this.relayed.bots.get(domain) : undefined;
  }

  /** Whether `domain` has a bot configured (online or not). */
  configured(domain: string): boolean {
    return this.bots.has(domain);
  }

  /** Whether the bot of `domain` can send right now. */
  online(domain: string): boolean {
    if (!this.holder) return this.bots.has(domain) && this.relayedHealth(domain)?.state === 'online';
    return this.bots.get(domain)?.session?.state === 'online';
  }

  /** One entry per configured bot, for /readyz. No secrets, no stanza content. */
  health(): BotHealth[] {
    if (!this.holder) {
      return [...this.bots.values()].map(
        (entry) =>
          this.relayedHealth(entry.domain.name) ?? { domain: entry.domain.name, kind: entry.kind, state: 'offline', since: new Date(0).toISOString(), lastError: 'no news from worker 0, which holds the XMPP link', failures: 0 },
      );
    }
    return [...this.bots.values()].map((entry) => {
      const h = entry.session?.health();
      return {
        domain: entry.domain.name,
        kind: entry.kind,
        state: h?.state ?? 'offline',
        since: (h?.since ?? new Date(0)).toISOString(),
        jid: h?.jid,
        lastError: h?.lastError ?? entry.startError,
        failures: h?.failures ?? 0,
      };
    });
  }

  /** Registers the XEP-0070 reply handler (LoginApprovalService); returns the unsubscribe function. */
  onApprovalReply(handler: ApprovalReplyHandler): () => void {
    this.approvalHandlers.add(handler);
    return () => this.approvalHandlers.delete(handler);
  }

  /**
   * Sends the stanza `build` makes from the bot's own JID. Throws XmppUnavailable while offline
   * (nothing is queued: a sign-in approval sent minutes late is worthless).
   */
  async send(domain: string, build: (from: string) => XmlElement): Promise<void> {
    if (!this.holder) {
      const health = this.relayedHealth(domain);
      if (health?.state !== 'online' || health.jid === undefined) throw new Error('the OpenID bot is not running');
      const message: RelayMessage = { type: BOT_RELAY.send, domain, stanza: serializeXml(build(health.jid)) };
      process.send?.(message);
      return;
    }
    const session = this.bots.get(domain)?.session;
    if (session === undefined || session.jid === undefined) throw new Error('the OpenID bot is not running');
    await session.send(build(session.jid));
  }

  /**
   * The vCard of `jid` as the bot can read it (XEP-0054 vcard-temp get, XEP-0292 vCard4 from the
   * account's PEP node), for sign-ins approved from the chat app, which have no authenticated
   * connection of the user's own to read it on. Undefined when neither could be read (offline,
   * timeout, access refused): the caller keeps what it had. In the process holding the link only.
   */
  async fetchVcard(domain: string, jid: string, timeoutMs = VCARD_TIMEOUT_MS): Promise<VcardProfile | undefined> {
    const session = this.holder ? this.bots.get(domain)?.session : undefined;
    if (session?.state !== 'online') return undefined;
    const [temp, v4] = await Promise.allSettled([
      session.request(element('iq', { type: 'get', from: session.jid, to: jid, id: randomUUID() }, element('vCard', { xmlns: NS_VCARD_TEMP })), timeoutMs),
      session.request(element('iq', { type: 'get', from: session.jid, to: jid, id: randomUUID() }, element('pubsub', { xmlns: NS_PUBSUB }, element('items', { node: VCARD4_NODE, max_items: '1' }))), timeoutMs),
    ]);
    if (temp.status === 'rejected' && v4.status === 'rejected') return undefined;
    const vcardTemp = temp.status === 'fulfilled' ? childElements(temp.value, 'vCard', NS_VCARD_TEMP)[0] : undefined;
    const vcard4 = v4.status === 'fulfilled' ? vcard4FromPubsub(childElements(v4.value, 'pubsub', NS_PUBSUB)[0]) : undefined;
    return profileFromVcards({ vcardTemp, vcard4 });
  }

  /** The language of a message the bot starts: as the web page that led to it was negotiated. */
  readerLanguage(reader: ReaderLanguages | undefined): Language {
    return negotiateLanguage({ ...reader, fallback: this.defaultLanguage });
  }

  /**
   * The new-site notice (issue 9 point 3): after a positive assertion to a realm this user had
   * never been signed in to, unless they turned notices off. Best effort: never fails the sign-in.
   */
  async notifyNewSite(user: User, realm: string, reader?: ReaderLanguages): Promise<void> {
    const entry = this.bots.get(user.domain);
    if (entry === undefined || !user.xmppNotices || !this.online(user.domain)) return;
    const to = `${user.username}@${user.domain}`;
    const lang = this.readerLanguage(reader);
    const site = oneLine(realm);
    const body = [translate(lang, 'bot.notice.new_site', { realm: site }), translate(lang, 'bot.notice.new_site_not_you', { realm: site }), translate(lang, 'bot.notice.new_site_off')].join('\n');
    try {
      await this.send(user.domain, (from) => message(entry, { from, to, type: 'chat', lang }, body));
    } catch (error) {
      this.logger.warn({ err: error, domain: user.domain }, 'could not send the new-site notice');
    }
  }

  /**
   * A change to how the account signs in (a second factor added or removed, recovery codes made or
   * spent; issue 13): told to the account in chat whatever its new-site notices say, since the
   * person who did not make it must learn of it. Never carries a secret or a code.
   */
  async notifySecurity(user: User, notice: Text, reader?: ReaderLanguages): Promise<void> {
    const entry = this.bots.get(user.domain);
    if (entry === undefined || !this.online(user.domain)) return;
    const to = `${user.username}@${user.domain}`;
    const locale = new Locale(this.readerLanguage(reader));
    const body = [notice.in(locale), locale.t('bot.notice.security_not_you')].join('\n');
    try {
      await this.send(user.domain, (from) => message(entry, { from, to, type: 'chat', lang: locale.lang }, body));
    } catch (error) {
      this.logger.warn({ err: error, domain: user.domain }, 'could not send the security notice');
    }
  }

  private async start(entry: BotEntry): Promise<void> {
    const bot = entry.domain.xmpp!.bot!;
    let credentials: XmppBotCredentials;
    try {
      credentials =
        'component' in bot
          ? { kind: 'component', service: bot.service, component: bot.component, secret: await readSecretFile(bot.secret_file) }
          : { kind: 'account', service: entry.domain.xmpp!.server!, jid: bot.jid, password: await readSecretFile(bot.password_file), caFile: entry.domain.xmpp!.ca_file };
    } catch (error) {
      // The OpenID endpoint works without the bot: it degrades (/readyz shows why), it does not stop.
      entry.startError = (error as Error).message;
      this.logger.error({ domain: entry.domain.name, error: entry.startError }, 'the OpenID bot cannot start');
      return;
    }
    const session = this.connector.openSession({
      credentials,
      domain: entry.domain.name,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      backoff: { initialMs: entry.domain.xmpp!.bot_reconnect.initial * 1000, maxMs: entry.domain.xmpp!.bot_reconnect.max * 1000 },
      status: STATUS,
      presenceTo: () => [...entry.contacts],
    });
    entry.session = session;
    if (cluster.isWorker) session.onState(() => this.announce());
    session.onStanza((stanza) => {
      this.onStanza(entry, stanza).catch((error: unknown) => this.logger.warn({ err: error, domain: entry.domain.name }, 'the OpenID bot failed to answer a message'));
    });
    session.start();
  }

  private async onStanza(entry: BotEntry, stanza: XmlElement): Promise<void> {
    if (stanza.name !== 'message') return;
    const from = tryParseJid(stanza.attrs['from']);
    // Messages from servers and components (no localpart) are not from a person.
    if (from?.local === undefined) return;
    const type = stanza.attrs['type'] ?? 'normal';
    const domain = entry.domain;

    const sender = bareJid(from);
    const lang = this.languageOf(stanza);
    const approval = readApprovalReply(stanza);
    if (approval !== undefined) {
      // Answers count against the sender's chat limit too: nobody gets to try codes at speed.
      if (!entry.limiter.take(sender, this.clock.now().getTime())) return;
      // Matched against the pending requests by the sender's bare JID as the server stamped it:
      // another account's answer is never anyone else's approval (XEP-0070 §4.6).
      for (const handler of this.approvalHandlers) {
        const answer = await handler(domain, approval);
        if (answer !== undefined && type !== 'error') await this.reply(entry, stanza, answer.in(new Locale(lang)), lang);
      }
      return;
    }
    // RFC 6120 §8.3.1: an error stanza is never answered. RFC 6121 §5.2.2: groupchat and headline
    // messages are not addressed to us as a conversation.
    if (type !== 'chat' && type !== 'normal') return;
    // RFC 6121 §5.2.3: a message without a body (chat states, receipts) expects no reply.
    const body = childText(stanza, 'body');
    if (body === undefined || body.trim() === '') return;
    if (!entry.limiter.take(sender, this.clock.now().getTime())) {
      if (entry.warnings.take(sender, this.clock.now().getTime())) await this.reply(entry, stanza, translate(lang, 'bot.chat.flood'), lang);
      return;
    }
    if (from.domain !== domain.name) {
      await this.reply(entry, stanza, translate(lang, 'bot.chat.other_domain', { domain: domain.name }), lang);
      return;
    }
    await this.remember(entry, sender);
    const parsed = parseBotCommand(body);
    const answer = parsed.ok ? await this.commands.run(domain, from.local, parsed.command, lang) : parsed.reply.in(new Locale(lang));
    await this.reply(entry, stanza, answer, lang);
  }

  /**
   * The language of a conversation: the incoming stanza's xml:lang (RFC 6120 §8.1.5: the stanza's
   * own, else its stream's; a sender's server stamps its client's), matched with RFC 4647 lookup
   * ("de-CH" is answered in German), else ui.default_language.
   */
  private languageOf(stanza: XmlElement): Language {
    const tag = stanza.lang ?? stanza.attrs['xml:lang'];
    return (tag === undefined ? undefined : lookup(tag)) ?? this.defaultLanguage;
  }

  /** A component is seen online only by those it sends presence to: the first message earns it. */
  private async remember(entry: BotEntry, sender: string): Promise<void> {
    if (entry.contacts.has(sender)) return;
    if (entry.contacts.size >= MAX_CONTACTS) entry.contacts.delete(entry.contacts.values().next().value!);
    entry.contacts.add(sender);
    const session = entry.session;
    if (entry.kind === 'component' && session?.jid !== undefined) {
      await session.send(presence(session.jid, sender, STATUS)).catch(() => undefined);
    }
  }

  /** RFC 6121 §5.2.5: a reply goes to the full JID that wrote, with the same type and thread. */
  private async reply(entry: BotEntry, incoming: XmlElement, body: string, lang: Language): Promise<void> {
    const type = incoming.attrs['type'] === 'normal' || incoming.attrs['type'] === undefined ? 'normal' : 'chat';
    const thread = childText(incoming, 'thread');
    await this.send(entry.domain.name, (from) => message(entry, { from, to: incoming.attrs['from']!, type, lang }, body, thread));
  }
}

function message(entry: BotEntry, attrs: { from: string; to: string; type: string; lang: Language }, body: string, thread?: string): XmlElement {
  // A component must say who it speaks as (XEP-0114 §3); an account's server stamps `from` itself.
  const from = entry.kind === 'component' ? attrs.from : undefined;
  const cleanThread = thread !== undefined && thread.length > 0 && thread.length <= 256 ? thread : undefined;
  // RFC 6120 §8.1.5: the stanza says the language of its body.
  return element(
    'message',
    { from, to: attrs.to, type: attrs.type, 'xml:lang': attrs.lang },
    element('body', {}, body),
    cleanThread === undefined ? undefined : element('thread', {}, cleanThread),
  );
}

function oneLine(text: string): string {
  const clean = text.replace(/\p{Cc}+/gu, ' ').trim();
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}
