import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service.js';
import type { AuditEvent } from '../../audit/audit.entity.js';
import { deviceName } from '../../auth/account/device-name.js';
import { SecondFactorService } from '../../auth/factors/second-factor.service.js';
import { SessionService } from '../../auth/session/session.service.js';
import type { DomainConfig } from '../../config/config.schema.js';
import { PrivateIdentifiersService } from '../../realm/private-identifiers.service.js';
import { TrustGrantsService } from '../../realm/trust-grants.service.js';
import type { TrustGrant } from '../../realm/trust-grant.entity.js';
import { ProfileSource } from '../../sreg/profile-source.js';
import { PROFILE_FIELDS, type User } from '../../users/user.entity.js';
import { UsersService } from '../../users/users.service.js';
import { BOT_COMMAND_USAGE, type BotCommand, type BotCommandName } from '../bot-commands.js';

// What each chat command of DESIGN.md does, for the one account that sent it. The sender is the
// bare JID the XMPP server stamped on the message; every lookup below is keyed by that account's
// row, so a reply can only ever show the sender's own data.

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

  /** The plain-text reply to `command` from `username` of `domain`. */
  async run(domain: DomainConfig, username: string, command: BotCommand): Promise<string> {
    if (command.command === 'help') return help(command.topic);
    const user = await this.users.find(domain.name, username);
    if (user === null) return `You have no OpenID account at ${domain.name} yet: sign in once at ${domain.base_url}/login, then ask again.`;
    switch (command.command) {
      case 'sites':
        return this.sites(user);
      case 'revoke':
        return this.revoke(user, command.target);
      case 'sessions':
        return this.listSessions(user);
      case 'factors':
        return this.listFactors(user);
      case 'signout-all':
        await this.sessions.revokeAll(user.id);
        await this.audit.record({ kind: 'logout_everywhere', domain: user.domain, userId: user.id, userAgent: 'XMPP bot' });
        return 'Signed out everywhere: every browser must sign in again.';
      case 'history':
        return this.history(user);
      case 'profile':
        return this.profile(user);
      case 'share': {
        const set = new Set(user.releaseDefaults);
        if (command.on) set.add(command.field);
        else set.delete(command.field);
        await this.users.setReleaseDefaults(user.domain, user.username, [...set]);
        return command.on ? `Your ${command.field} is now offered to sites by default (you still confirm on the consent page).` : `Your ${command.field} is no longer offered to sites by default.`;
      }
      case 'notices':
        await this.users.setXmppNotices(user.domain, user.username, command.on);
        return command.on ? 'Notices on: I will tell you when you sign in to a site for the first time.' : 'Notices off: I will not tell you about sign-ins to new sites. Say "notices on" to undo.';
    }
  }

  private async sites(user: User): Promise<string> {
    const [grants, privateIdentifiers] = await Promise.all([this.sortedGrants(user), this.privateIdentifiers.list(user.id)]);
    // The sites that know the person by a private identifier (issue 13 point 4), after the trusted ones.
    const privately = privateIdentifiers.length === 0 ? [] : ['Sites that know you by a private identifier:', ...privateIdentifiers.slice(0, MAX_LINES).map((p) => `- ${p.realm}`)];
    if (privateIdentifiers.length > MAX_LINES) privately.push(`…and ${privateIdentifiers.length - MAX_LINES} more (see your identity page).`);
    if (grants.length === 0) return ['You trust no site to sign you in without asking.', ...privately].join('\n');
    const lines = grants.slice(0, MAX_LINES).map((g, i) => `${i + 1}. ${g.realm}`);
    if (grants.length > MAX_LINES) lines.push(`…and ${grants.length - MAX_LINES} more (see your identity page).`);
    return ['Sites that sign you in without asking:', ...lines, 'Say "revoke <number>" to stop trusting one.', ...privately].join('\n');
  }

  private async revoke(user: User, target: { readonly index: number } | { readonly realm: string }): Promise<string> {
    const grants = await this.sortedGrants(user);
    const found = 'index' in target ? grants[target.index - 1] : matchRealm(grants, target.realm);
    if (found === undefined) return 'index' in target ? `There is no site number ${target.index}: say "sites" for the list.` : 'You do not trust that site: say "sites" for the list.';
    await this.trust.revoke(user.id, found.id);
    await this.audit.record({ kind: 'trust_revoked', domain: user.domain, userId: user.id, realm: found.realm, userAgent: 'XMPP bot' });
    return `Revoked: ${found.realm} will ask you again next time.`;
  }

  private async listSessions(user: User): Promise<string> {
    const active = await this.sessions.listActive(user.id);
    if (active.length === 0) return 'You are not signed in anywhere.';
    const lines = active.slice(0, MAX_LINES).map((s) => `- ${deviceName(s.userAgent)}, signed in ${when(s.authTime)}${s.authMethod === 'xmpp' ? ' (approved from chat)' : ''}`);
    if (active.length > MAX_LINES) lines.push(`…and ${active.length - MAX_LINES} more.`);
    return [`Signed in on ${active.length} ${active.length === 1 ? 'browser' : 'browsers'}:`, ...lines, 'Say "signout all" to end them all.'].join('\n');
  }

  /** Issue 13: the second factors by name and date; never a secret, a code or a hash. */
  private async listFactors(user: User): Promise<string> {
    const { apps, passkeys, recovery } = await this.factors.overview(user);
    if (apps.length === 0 && passkeys.length === 0) return 'Signing in asks for your password only: add an authenticator app or a passkey on your identity page.';
    const lines = [
      ...apps.map((a) => `- ${a.label}, added ${when(a.createdAt)}${a.lastUsedAt ? `, last used ${when(a.lastUsedAt)}` : ''}`),
      // Passkeys by the name their owner gave them (never a credential id or key).
      ...passkeys.map((p) => `- Passkey "${p.label}", added ${when(p.createdAt)}${p.lastUsedAt ? `, last used ${when(p.lastUsedAt)}` : ''}`),
    ];
    if (recovery) lines.push(`- Recovery codes: ${recovery.left} of ${recovery.total} left`);
    return ['Your second factors:', ...lines, 'Add or remove them on your identity page.'].join('\n');
  }

  private async history(user: User): Promise<string> {
    const events = (await this.audit.recent(user.id, 50)).filter((e) => HISTORY_KINDS.has(e.kind)).slice(0, MAX_LINES);
    if (events.length === 0) return 'No sign-ins yet.';
    return ['Recent sign-ins:', ...events.map(historyLine)].join('\n');
  }

  private async profile(user: User): Promise<string> {
    const values = await this.profiles.load(user);
    const shared = new Set(user.releaseDefaults);
    const lines = PROFILE_FIELDS.filter((f) => values[f] !== undefined).map((f) => `- ${f}: ${oneLine(values[f]!)}${shared.has(f) ? ' (shared by default)' : ''}`);
    if (lines.length === 0) return 'Your profile is empty: sites get nothing but your identifier.';
    return ['What sites may ask for:', ...lines, 'Say "share <field> on|off" to change what is offered by default.'].join('\n');
  }

  /** Oldest first, so that the numbers of "sites" stay put while a new grant is added. */
  private async sortedGrants(user: User): Promise<TrustGrant[]> {
    return (await this.trust.list(user.id)).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.realm.localeCompare(b.realm));
  }
}

function help(topic: BotCommandName | undefined): string {
  if (topic !== undefined) return BOT_COMMAND_USAGE[topic];
  return ['I manage your OpenID sign-ins. Commands:', ...Object.values(BOT_COMMAND_USAGE)].join('\n');
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

function when(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function oneLine(value: string): string {
  const clean = value.replace(/\p{Cc}+/gu, ' ').trim();
  return clean.length > 80 ? `${clean.slice(0, 79)}…` : clean;
}

function historyLine(event: AuditEvent): string {
  const what =
    event.kind === 'login_succeeded'
      ? 'signed in'
      : event.kind === 'assertion_denied'
        ? `refused ${event.realm ?? 'a site'}`
        : `signed in to ${event.realm ?? 'a site'}${event.kind === 'assertion_approved_automatically' ? ' (trusted)' : ''}`;
  return `- ${when(event.createdAt)}: ${what}${event.ip ? ` from ${event.ip}` : ''}`;
}
