import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service.js';
import type { AuditEvent } from '../../audit/audit.entity.js';
import { deviceName } from '../../auth/account/device-name.js';
import { SecondFactorService, TOTP_LABEL } from '../../auth/factors/second-factor.service.js';
import { SessionService } from '../../auth/session/session.service.js';
import type { DomainConfig } from '../../config/config.schema.js';
import { PrivateIdentifiersService } from '../../realm/private-identifiers.service.js';
import { TrustGrantsService } from '../../realm/trust-grants.service.js';
import type { TrustGrant } from '../../realm/trust-grant.entity.js';
import { ProfileSource } from '../../sreg/profile-source.js';
import { PROFILE_FIELDS, type User } from '../../users/user.entity.js';
import { UsersService } from '../../users/users.service.js';
import { DEFAULT_LOCALE, isTimeZone, Locale, translate } from '../../i18n/locale.js';
import type { Language } from '../../i18n/languages.js';
import { BOT_COMMAND_USAGE, BOT_PLACEHOLDERS, type BotCommand, type BotCommandName } from '../bot-commands.js';

// What each chat command of DESIGN.md does, for the one account that sent it. The sender is the
// bare JID the XMPP server stamped on the message; every lookup below is keyed by that account's
// row, so a reply can only ever show the sender's own data. Replies are in the language the bot
// chose for the conversation (openid-bot.service.ts), their times in the account's time zone.

const MAX_LINES = 10;
const HISTORY_KINDS = new Set(['login_succeeded', 'assertion_approved', 'assertion_approved_automatically', 'assertion_denied']);

@Injectable()
export class BotCommandRunner {
  constructor(
    private readonly users: UsersService,
    private readonly trust: TrustGrantsService,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly profiles: ProfileSource,
    private readonly privateIdentifiers: PrivateIdentifiersService,
    private readonly factors: SecondFactorService,
  ) {}

  /**
   * The plain-text reply to `command` from `username` of `domain`, in `lang`; times in the
   * account's profile time zone (SReg timezone), else UTC.
   */
  async run(domain: DomainConfig, username: string, command: BotCommand, lang: Language = DEFAULT_LOCALE.lang): Promise<string> {
    if (command.command === 'help') return help(new Locale(lang), command.topic);
    const user = await this.users.find(domain.name, username);
    if (user === null) return translate(lang, 'bot.no_account', { domain: domain.name, url: `${domain.base_url}/login` });
    const locale = new Locale(lang, user.timezone !== null && isTimeZone(user.timezone) ? user.timezone : undefined);
    return this.answer(user, command, locale);
  }

  private async answer(user: User, command: Exclude<BotCommand, { command: 'help' }>, locale: Locale): Promise<string> {
    const { t } = locale;
    switch (command.command) {
      case 'sites':
        return this.sites(user, locale);
      case 'revoke':
        return this.revoke(user, command.target, locale);
      case 'sessions':
        return this.listSessions(user, locale);
      case 'factors':
        return this.listFactors(user, locale);
      case 'signout-all':
        await this.sessions.revokeAll(user.id);
        await this.audit.record({ kind: 'logout_everywhere', domain: user.domain, userId: user.id, userAgent: 'XMPP bot' });
        return t('bot.signed_out_all');
      case 'history':
        return this.history(user, locale);
      case 'profile':
        return this.profile(user, locale);
      case 'share': {
        const set = new Set(user.releaseDefaults);
        if (command.on) set.add(command.field);
        else set.delete(command.field);
        await this.users.setReleaseDefaults(user.domain, user.username, [...set]);
        return command.on ? t('bot.share_on', { field: command.field }) : t('bot.share_off', { field: command.field });
      }
      case 'notices':
        await this.users.setXmppNotices(user.domain, user.username, command.on);
        return command.on ? t('bot.notices_on') : t('bot.notices_off');
    }
  }

  private async sites(user: User, { t }: Locale): Promise<string> {
    const [grants, privateIdentifiers] = await Promise.all([this.sortedGrants(user), this.privateIdentifiers.list(user.id)]);
    // The sites that know the person by a private identifier (issue 13 point 4), after the trusted ones.
    const privately = privateIdentifiers.length === 0 ? [] : [t('bot.sites.private_heading'), ...privateIdentifiers.slice(0, MAX_LINES).map((p) => `- ${p.realm}`)];
    if (privateIdentifiers.length > MAX_LINES) privately.push(t('bot.sites.more', { count: privateIdentifiers.length - MAX_LINES }));
    if (grants.length === 0) return [t('bot.sites.none'), ...privately].join('\n');
    const lines = grants.slice(0, MAX_LINES).map((g, i) => `${i + 1}. ${g.realm}`);
    if (grants.length > MAX_LINES) lines.push(t('bot.sites.more', { count: grants.length - MAX_LINES }));
    return [t('bot.sites.heading'), ...lines, t('bot.sites.revoke_hint', { number: BOT_PLACEHOLDERS.number }), ...privately].join('\n');
  }

  private async revoke(user: User, target: { readonly index: number } | { readonly realm: string }, { t }: Locale): Promise<string> {
    const grants = await this.sortedGrants(user);
    const found = 'index' in target ? grants[target.index - 1] : matchRealm(grants, target.realm);
    if (found === undefined) return 'index' in target ? t('bot.revoke.no_number', { index: target.index }) : t('bot.revoke.not_trusted');
    await this.trust.revoke(user.id, found.id);
    await this.audit.record({ kind: 'trust_revoked', domain: user.domain, userId: user.id, realm: found.realm, userAgent: 'XMPP bot' });
    return t('bot.revoke.done', { realm: found.realm });
  }

  private async listSessions(user: User, { t, when }: Locale): Promise<string> {
    const active = await this.sessions.listActive(user.id);
    if (active.length === 0) return t('bot.sessions.none');
    const lines = active.slice(0, MAX_LINES).map((s) => t(s.authMethod === 'xmpp' ? 'bot.sessions.line_chat' : 'bot.sessions.line', { device: deviceName(s.userAgent), when: when(s.authTime) }));
    if (active.length > MAX_LINES) lines.push(t('bot.sessions.more', { count: active.length - MAX_LINES }));
    return [t('bot.sessions.heading', { count: active.length }), ...lines, t('bot.sessions.hint')].join('\n');
  }

  /** Issue 13: the second factors by name and date; never a secret, a code or a hash. */
  private async listFactors(user: User, { t, when }: Locale): Promise<string> {
    const { apps, passkeys, recovery } = await this.factors.overview(user);
    if (apps.length === 0 && passkeys.length === 0) return t('bot.factors.none');
    const lines = apps.map((a) => {
      // Every authenticator app is stored under one label (TOTP_LABEL): named in the reader's language.
      const label = a.label === TOTP_LABEL ? t('account.factors.app') : a.label;
      return a.lastUsedAt ? t('bot.factors.app_used', { label, added: when(a.createdAt), used: when(a.lastUsedAt) }) : t('bot.factors.app', { label, added: when(a.createdAt) });
    });
    // Passkeys by the name their owner gave them (never a credential id or key).
    for (const p of passkeys) lines.push(p.lastUsedAt ? t('bot.factors.passkey_used', { label: p.label, added: when(p.createdAt), used: when(p.lastUsedAt) }) : t('bot.factors.passkey', { label: p.label, added: when(p.createdAt) }));
    if (recovery) lines.push(t('bot.factors.recovery', { count: recovery.left, total: recovery.total }));
    return [t('bot.factors.heading'), ...lines, t('bot.factors.hint')].join('\n');
  }

  private async history(user: User, locale: Locale): Promise<string> {
    const events = (await this.audit.recent(user.id, 50)).filter((e) => HISTORY_KINDS.has(e.kind)).slice(0, MAX_LINES);
    if (events.length === 0) return locale.t('bot.history.none');
    return [locale.t('bot.history.heading'), ...events.map((e) => historyLine(e, locale))].join('\n');
  }

  private async profile(user: User, { t }: Locale): Promise<string> {
    const values = await this.profiles.load(user);
    const shared = new Set(user.releaseDefaults);
    const lines = PROFILE_FIELDS.filter((f) => values[f] !== undefined).map((f) => t(shared.has(f) ? 'bot.profile.line_shared' : 'bot.profile.line', { field: f, value: oneLine(values[f]!) }));
    if (lines.length === 0) return t('bot.profile.empty');
    return [t('bot.profile.heading'), ...lines, t('bot.profile.hint', { field: BOT_PLACEHOLDERS.field })].join('\n');
  }

  /** Oldest first, so that the numbers of "sites" stay put while a new grant is added. */
  private async sortedGrants(user: User): Promise<TrustGrant[]> {
    return (await this.trust.list(user.id)).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.realm.localeCompare(b.realm));
  }
}

function help(locale: Locale, topic: BotCommandName | undefined): string {
  if (topic !== undefined) return BOT_COMMAND_USAGE[topic].in(locale);
  return [locale.t('bot.help'), ...Object.values(BOT_COMMAND_USAGE).map((usage) => usage.in(locale))].join('\n');
}

/**
 * A grant named as typed: the exact realm, or the same URL once normalised (host case, the "/"
 * of an empty path), or only its host when exactly one grant has that host.
 */
function matchRealm(grants: readonly TrustGrant[], typed: string): TrustGrant | undefined {
  const exact = grants.find((g) => g.realm === typed);
  if (exact) return exact;
  const wanted = normalizeUrl(typed);
  const same = wanted === undefined ? undefined : grants.find((g) => normalizeUrl(g.realm) === wanted);
  if (same) return same;
  const host = typed.toLowerCase().replace(/\/$/, '');
  const byHost = grants.filter((g) => hostOf(g.realm) === host);
  return byHost.length === 1 ? byHost[0] : undefined;
}

function normalizeUrl(value: string): string | undefined {
  try {
    // OpenID 2.0 §9.2: realms are URLs, possibly with a "*." wildcard host that URL refuses.
    return new URL(value.replace('://*.', '://wildcard--.')).toString();
  } catch {
    return undefined;
  }
}

function hostOf(realm: string): string | undefined {
  try {
    return new URL(realm.replace('://*.', '://wildcard--.')).host.replace(/^wildcard--\./, '*.');
  } catch {
    return undefined;
  }
}

function oneLine(value: string): string {
  const clean = value.replace(/\p{Cc}+/gu, ' ').trim();
  return clean.length > 80 ? `${clean.slice(0, 79)}…` : clean;
}

function historyLine(event: AuditEvent, { t, when }: Locale): string {
  const site = event.realm ?? undefined;
  const what =
    event.kind === 'login_succeeded'
      ? t('bot.history.signed_in')
      : event.kind === 'assertion_denied'
        ? site === undefined
          ? t('bot.history.refused_unknown')
          : t('bot.history.refused', { site })
        : event.kind === 'assertion_approved_automatically'
          ? site === undefined
            ? t('bot.history.trusted_unknown')
            : t('bot.history.trusted', { site })
          : site === undefined
            ? t('bot.history.signed_in_to_unknown')
            : t('bot.history.signed_in_to', { site });
  return event.ip ? t('bot.history.line_from', { when: when(event.createdAt), what, ip: event.ip }) : t('bot.history.line', { when: when(event.createdAt), what });
}
