import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../../common/clock.js';
import { Random } from '../../common/random.js';
import { ROOT_LOGGER } from '../../common/tokens.js';
import type { DomainConfig } from '../../config/config.schema.js';
import { Metrics } from '../../http/metrics.js';
import { text, type Text } from '../../i18n/locale.js';
import { clientAddressKey } from '../../http/client-address.js';
import type { ClientInfo } from '../../http/request-input.js';
import type { AuditKind } from '../../audit/audit.entity.js';
import { AuditService } from '../../audit/audit.service.js';
import { tryNormalizeUsername } from '../../users/username.js';
import { UsersService } from '../../users/users.service.js';
import { OpenIdBot } from '../../xmpp/bot/openid-bot.service.js';
import { vcardValues } from '../../xmpp/vcard-mapping.js';
import { buildConfirmMessage, generateTransactionCode, matchApproval, type ApprovalReply } from '../../xmpp/http-auth.js';
import { CheckidService } from '../checkid/checkid.service.js';
import type { LoginForm } from '../login/login.dto.js';
import { LoginService, type LoginResult } from '../login/login.service.js';
import type { LoginApproval } from './login-approval.entity.js';
import { LoginApprovalRepository } from './login-approval.repository.js';

// Sign-in approval from the chat app (XEP-0070; DESIGN.md "XMPP"; issue 9 point 4). The login
// form's method=xmpp button parks the sign-in as a row here and has the OpenID bot send the
// confirm request to the user's bare JID; the answer (a <confirm/> echo, "yes CODE", "no CODE"
// or an error) moves the row on, on whichever instance's bot received it; the waiting page, on
// any instance, completes the sign-in once the row says accepted, for the one browser that asked.

const UNAVAILABLE = text('login.approval.errors.unavailable');

export type ApprovalStart =
  | { kind: 'login'; result: LoginResult }
  /** Sent: the browser goes to the waiting page, carrying the binding token in a cookie. */
  | { kind: 'started'; id: string; browserToken: string; maxAgeSeconds: number; popup: boolean };

export type ApprovalView =
  /** `site`: a realm as the RP sent it, or our words for what else it is (a Text, in the page's language). */
  | { kind: 'waiting'; code: string; site: string | Text; id: string; seconds: number }
  | { kind: 'finished'; status: 403 | 404 | 410; title: Text; message: Text; loginUrl: string };

/**
 * `popup`: the sign-in continues a popup-mode request (OpenID UI Extension 1.0 §5): its layout and
 * opener policy; `languages`: that request's ui.lang (§4.2), or the OpenID Connect client's
 * ui_locales (Core 1.0 §3.1.2.1), for the page's language.
 */
export type ApprovalStatus = { kind: 'page'; view: ApprovalView; popup?: boolean; languages?: readonly string[] } | { kind: 'signed-in'; result: LoginResult };

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

@Injectable()
export class LoginApprovalService implements OnModuleInit, OnModuleDestroy {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly approvals: LoginApprovalRepository,
    private readonly bot: OpenIdBot,
    private readonly login: LoginService,
    private readonly checkid: CheckidService,
    private readonly users: UsersService,
    private readonly random: Random,
    private readonly clock: Clock,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly audit: AuditService,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.bot.onApprovalReply((domain, reply) => this.answered(domain, reply));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** POST /login with method=xmpp (CSRF checked, form validated). */
  async begin(domain: DomainConfig, form: LoginForm, client: ClientInfo): Promise<ApprovalStart> {
    const requestId = form.request || undefined;
    const typed = form.username.trim();
    // A refusal answers the login page again, still continuing the same request or interaction.
    const continues = { requestId, interaction: form.interaction };
    if (domain.accounts !== 'xmpp' || domain.xmpp?.bot === undefined) {
      return { kind: 'login', result: await this.login.refused(domain, continues, client, typed, 400, text('login.approval.errors.not_available')) };
    }
    // Re-validates the parked request first: an expired one ends here, as with a password.
    const ctx = requestId === undefined ? undefined : await this.checkid.resume(domain, requestId, client);
    const username = tryNormalizeUsername(typed);
    if (username === undefined) return { kind: 'login', result: await this.login.refused(domain, continues, client, typed, 400, text('login.approval.errors.invalid_username', { domain: domain.name })) };

    if (!this.bot.online(domain.name)) {
      this.metrics.signIns.inc({ method: 'xmpp_approval', outcome: 'unavailable' });
      return { kind: 'login', result: await this.login.refused(domain, continues, client, typed, 503, UNAVAILABLE, 30) };
    }

    // A person using this normally never meets these limits; a flood cannot spam a user's chat
    // app (per account) nor spam many users from one place (per address). Counted from the rows
    // themselves, apart from the password throttle: approvals never lock anyone's password out.
    const limits = domain.xmpp.approval;
    const since = new Date(this.clock.now().getTime() - 60_000);
    const perAccount = await this.approvals.countForAccount(domain.name, username, since);
    // RFC 4291 §2.5.4: an IPv6 client counts by its /64, which it can rotate through at will.
    const address = client.ip === undefined ? undefined : clientAddressKey(client.ip).slice(0, 45);
    const perAddress = address === undefined ? 0 : await this.approvals.countForAddress(domain.name, address, since);
    if (perAccount >= limits.max_per_account || perAddress >= limits.max_per_address) {
      this.metrics.rateLimited.inc({ kind: 'xmpp_approval' });
      return { kind: 'login', result: await this.login.refused(domain, continues, client, typed, 429, text('login.approval.errors.rate_limited'), 60) };
    }
    const now = this.clock.now();
    const jid = `${username}@${domain.name}`;
    const browserToken = this.random.token();
    const row = await this.approvals.insert({
      domain: domain.name,
      username,
      jid,
      code: generateTransactionCode(this.random.bytes),
      thread: this.random.token(16),
      browserHash: hashToken(browserToken),
      requestId: ctx ? requestId! : null,
      interaction: form.interaction ?? null,
      realm: ctx?.realm?.value ?? null,
      remember: form.remember === '1',
      ip: address ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + limits.timeout * 1000),
    });
    try {
      // XEP-0070 §4.5: a <message> to the bare JID (delivered to the most available resource),
      // with a <thread>, a body for clients without http-auth, and the <confirm/>. Whether the
      // account exists we cannot know (its server may bounce it: an error, read as a denial), so
      // a known and an unknown username get the same waiting page: nothing is enumerated.
      // The chat message's words are the bot's (bot.approval.*), in the language of the login page
      // that asked for it: the RP's ui.lang (OpenID UI Extension 1.0 §4.2) or the OpenID Connect
      // client's ui_locales (Core 1.0 §3.1.2.1) among its hints, as the page had them.
      const site = await this.site(domain, row);
      const hints = ctx?.ui?.languages ?? (row.interaction === null ? undefined : (await this.login.application(domain, row.interaction))?.languages);
      const lang = this.bot.readerLanguage({ ...client.languages, hints });
      await this.bot.send(domain.name, (from) => buildConfirmMessage({ from, to: jid, code: row.code, thread: row.thread, site, url: `${domain.base_url}/login`, id: this.random.token(12), lang }));
    } catch (error) {
      await this.approvals.transition(row.id, 'pending', 'cancelled', 'unsent');
      this.metrics.signIns.inc({ method: 'xmpp_approval', outcome: 'unavailable' });
      this.logger.warn({ err: error, domain: domain.name }, 'could not send the sign-in approval request');
      return { kind: 'login', result: await this.login.refused(domain, continues, client, typed, 503, UNAVAILABLE, 30) };
    }
    await this.record(row, 'approval_requested', client);
    return { kind: 'started', id: row.id, browserToken, maxAgeSeconds: limits.timeout, popup: ctx?.ui?.popup === true };
  }

  /**
   * A reply the bot received: settles the pending request it answers, if any, and says what to
   * tell the sender (undefined: nothing). Only requests sent to the sender's own bare JID are
   * considered, so another account can neither approve nor deny someone's sign-in.
   */
  async answered(domain: DomainConfig, reply: ApprovalReply): Promise<Text | undefined> {
    const pending = await this.approvals.pendingFor(domain.name, reply.from, this.clock.now());
    for (const row of pending) {
      const outcome = matchApproval(reply, { code: row.code, thread: row.thread, user: row.jid });
      if (outcome === 'unrelated') continue;
      // Accepted: the vCard first (the bot reads it; this sign-in has no connection of the user's
      // own), so that the sign-in the waiting page completes releases it (issue 9 point 2).
      if (outcome === 'accept') {
        const vcard = await this.bot.fetchVcard(domain.name, row.jid);
        if (vcard !== undefined) await this.users.signedInByXmpp(domain.name, row.username, vcardValues(vcard));
      }
      // Single use: only the first answer moves a pending row; a second echo finds it settled.
      const settled = await this.approvals.transition(row.id, 'pending', outcome === 'accept' ? 'accepted' : 'denied', reply.via);
      if (!settled) continue;
      await this.record(row, outcome === 'accept' ? 'approval_accepted' : 'approval_denied');
      if (outcome !== 'accept') this.countFailure('approval_denied');
      this.logger.info({ domain: domain.name, approval: row.id, outcome, via: reply.via }, 'sign-in approval answered');
      return outcome === 'accept' ? text('bot.approval.accepted', { code: row.code }) : text('bot.approval.denied', { code: row.code });
    }
    return reply.via === 'error' ? undefined : text('bot.approval.unknown_code');
  }

  /** GET of the waiting page: still waiting, finished, or signed in (the parked request continues). */
  async status(domain: DomainConfig, id: string, browserToken: string | undefined, sessionToken: string | undefined, client: ClientInfo, deviceToken?: string): Promise<ApprovalStatus> {
    const row = await this.approvals.find(id, domain.name);
    if (row === null) return finished(404, 'unknown', undefined);
    if (!boundTo(row, browserToken)) return finished(403, 'other_browser', undefined);
    const status = await this.statusOf(domain, row, sessionToken, client, deviceToken);
    if (status.kind !== 'page') return status;
    // OpenID UI Extension 1.0 §5: the waiting and finished pages of a popup request keep the
    // popup's layout and opener (a signed-in result carries it in its outcome). They speak the
    // language the request asks for, unless the visitor chose one: its ui.lang (§4.2), or the
    // OpenID Connect client's ui_locales (Core 1.0 §3.1.2.1).
    const ui = await this.checkid.parkedUi(domain, row.requestId);
    const languages = row.interaction === null ? ui.languages : (await this.login.application(domain, row.interaction))?.languages;
    return { ...status, popup: ui.popup, ...(languages !== undefined && languages.length > 0 && { languages }) };
  }

  private async statusOf(domain: DomainConfig, row: LoginApproval, sessionToken: string | undefined, client: ClientInfo, deviceToken?: string): Promise<ApprovalStatus> {
    const now = this.clock.now();
    if (row.state === 'pending' && row.expiresAt <= now) {
      if (await this.approvals.transition(row.id, 'pending', 'denied', 'timeout')) {
        await this.record(row, 'approval_expired', client);
        this.countFailure('approval_expired');
      }
      return finished(410, 'timed_out', row.requestId, row.interaction);
    }
    switch (row.state) {
      case 'pending':
        return { kind: 'page', view: { kind: 'waiting', code: row.code, site: await this.site(domain, row), id: row.id, seconds: Math.max(0, Math.round((row.expiresAt.getTime() - now.getTime()) / 1000)) } };
      case 'accepted': {
        // Single use: whichever request claims the accepted row signs in; a reload finds it completed.
        if (!(await this.approvals.transition(row.id, 'accepted', 'completed'))) return finished(410, 'already_used', row.requestId, row.interaction);
        const user = await this.users.signedInByXmpp(domain.name, row.username);
        if (user.disabled) return finished(403, 'account_disabled', row.requestId, row.interaction);
        const ctx = row.requestId === null ? undefined : await this.checkid.resume(domain, row.requestId, client);
        const result = await this.login.completeSignIn(domain, user, {
          ctx,
          requestId: row.requestId ?? undefined,
          sessionToken,
          client,
          remember: row.remember,
          authMethod: 'xmpp',
          deviceToken,
          interaction: row.interaction ?? undefined,
        });
        return { kind: 'signed-in', result };
      }
      case 'denied':
        return row.answeredVia === 'timeout'
          ? finished(410, 'timed_out', row.requestId, row.interaction)
          : finished(403, 'denied', row.requestId, row.interaction);
      case 'completed':
        return finished(410, 'already_used', row.requestId, row.interaction);
      case 'cancelled':
        return finished(410, 'cancelled', row.requestId, row.interaction);
    }
  }

  /**
   * The waiting page's cancel button: the pending row is cancelled; back to the login page (in a
   * popup, keeping its opener: OpenID UI Extension 1.0 §5).
   */
  async cancel(domain: DomainConfig, id: string, browserToken: string | undefined): Promise<{ location: string; popup: boolean }> {
    const row = await this.approvals.find(id, domain.name);
    const bound = row !== null && boundTo(row, browserToken);
    if (bound) await this.approvals.transition(row.id, 'pending', 'cancelled', 'browser');
    return { location: loginUrl(row?.requestId ?? null, row?.interaction ?? null), popup: bound && (await this.checkid.parkedUi(domain, row.requestId)).popup };
  }

  /**
   * What the person is signing in to, in the chat app's message and on the waiting page: the
   * OpenID 2.0 realm, the OpenID Connect application (its name and redirect origin; once its
   * interaction has expired, only that it was an application), or else the identity page.
   */
  private async site(domain: DomainConfig, row: LoginApproval): Promise<string | Text> {
    if (row.realm !== null) return row.realm;
    if (row.interaction === null) return text('login.approval.site.identity_page');
    const application = await this.login.application(domain, row.interaction);
    return application === undefined ? text('login.approval.site.expired_application') : text('login.approval.site.application', { name: application.name, origin: application.origin });
  }

  /**
   * The approval's step in the account's history (no row yet for an XMPP account never signed in:
   * then the event has no user, and the domain and address still say where it came from).
   */
  private async record(row: LoginApproval, kind: AuditKind, client?: ClientInfo): Promise<void> {
    const userId = (await this.users.find(row.domain, row.username))?.id ?? null;
    await this.audit.record({ kind, domain: row.domain, userId, realm: row.realm, ip: client?.ip ?? row.ip ?? undefined, userAgent: client?.userAgent ?? 'XMPP approval' });
  }

  private countFailure(reason: 'approval_denied' | 'approval_expired'): void {
    this.metrics.signIns.inc({ method: 'xmpp_approval', outcome: 'failure' });
    this.metrics.loginFailures.inc({ reason });
  }

  pruneExpired(): Promise<number> {
    // Kept a while after expiry: the per-minute limits count recent rows.
    return this.approvals.pruneBefore(new Date(this.clock.now().getTime() - 60 * 60 * 1000));
  }
}

/** The browser-binding token, compared in constant time over the SHA-256 stored (STYLE.md §7). */
function boundTo(row: LoginApproval, browserToken: string | undefined): boolean {
  if (browserToken === undefined) return false;
  const hash = hashToken(browserToken);
  return hash.length === row.browserHash.length && timingSafeEqual(hash, row.browserHash);
}

function loginUrl(requestId: string | null, interaction: string | null = null): string {
  if (interaction !== null) return `/login?interaction=${encodeURIComponent(interaction)}`;
  return requestId === null ? '/login' : `/login?request=${encodeURIComponent(requestId)}`;
}

/** How a sign-in approval ended, as its page says it (login.approval.finished.<end> in the catalogues). */
type FinishedEnd = 'unknown' | 'other_browser' | 'timed_out' | 'already_used' | 'account_disabled' | 'denied' | 'cancelled';

const FINISHED: Readonly<Record<FinishedEnd, { title: Text; message: Text }>> = {
  unknown: { title: text('login.approval.finished.unknown.title'), message: text('login.approval.finished.unknown.message') },
  other_browser: { title: text('login.approval.finished.other_browser.title'), message: text('login.approval.finished.other_browser.message') },
  timed_out: { title: text('login.approval.finished.timed_out.title'), message: text('login.approval.finished.timed_out.message') },
  already_used: { title: text('login.approval.finished.already_used.title'), message: text('login.approval.finished.already_used.message') },
  account_disabled: { title: text('login.approval.finished.account_disabled.title'), message: text('login.approval.finished.account_disabled.message') },
  denied: { title: text('login.approval.finished.denied.title'), message: text('login.approval.finished.denied.message') },
  cancelled: { title: text('login.approval.finished.cancelled.title'), message: text('login.approval.finished.cancelled.message') },
};

function finished(status: 403 | 404 | 410, end: FinishedEnd, requestId: string | null | undefined, interaction: string | null = null): ApprovalStatus {
  return { kind: 'page', view: { kind: 'finished', status, ...FINISHED[end], loginUrl: loginUrl(requestId ?? null, interaction) } };
}
