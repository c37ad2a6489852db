import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { AuditKind } from '../../audit/audit.entity.js';
import { AuditService } from '../../audit/audit.service.js';
import { Clock } from '../../common/clock.js';
import type { DomainConfig } from '../../config/config.schema.js';
import { securityConfig } from '../../config/namespaces.js';
import { identifierUrl } from '../../discovery/urls.js';
import type { ClientInfo } from '../../http/request-input.js';
import { type Locale, text, type Text } from '../../i18n/locale.js';
import type { User } from '../../users/user.entity.js';
import { OpenIdBot } from '../../xmpp/bot/openid-bot.service.js';
import { SecondFactorService } from '../factors/second-factor.service.js';
import { type ActiveSession, SessionService } from '../session/session.service.js';
import { NotSignedIn } from './account.service.js';
import type { PasskeySetupView, RecoveryCodesView, TotpSetupView } from './factor-pages.js';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { AppError } from '../../http/app-error.js';
import { MAX_PASSKEY_NAME, PasskeyRefused, PasskeyService } from '../factors/passkey.service.js';

/** What a factor action answers: a redirect, or a page (the controller adds the CSRF token). */
export type FactorAnswer =
  | { kind: 'redirect'; location: string }
  | { kind: 'setup'; status: 200 | 400; view: Omit<TotpSetupView, 'csrf'> }
  | { kind: 'codes'; view: RecoveryCodesView }
  /** `problem`: a refused passkey, answered to machines as its problem document (browsers get the page). */
  | { kind: 'passkey-setup'; status: 200 | 400 | 401 | 409; view: Omit<PasskeySetupView, 'csrf'>; problem?: AppError };

/** Sign in again first (security.second_factor.fresh_sign_in): the login form, whose sign-in ends on the identity page. */
const SIGN_IN_AGAIN: FactorAnswer = { kind: 'redirect', location: '/login?fresh=1' };

/** The passkey script's options request with a sign-in too old to add a factor: where to sign in again. */
export class FreshSignInRequired extends AppError {
  constructor() {
    super('fresh_sign_in_required', 403, text('passkeys.fresh_sign_in_required.title'), text('passkeys.fresh_sign_in_required.detail'), { members: { location: '/login?fresh=1' } });
  }
}

/**
 * The identity page's second factors (issue 13 point 1): adding an authenticator app (then its
 * recovery codes), new recovery codes, removing an app. Adding, and removing the last one, need a
 * recent sign-in; each change is audited and told in chat where the domain has the bot.
 */
@Injectable()
export class AccountFactorsService {
  constructor(
    private readonly sessions: SessionService,
    private readonly factors: SecondFactorService,
    private readonly passkeys: PasskeyService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
    @Optional() private readonly bot?: OpenIdBot,
  ) {}

  /** "Add an authenticator app": a new secret, then its page. */
  async beginTotp(sessionToken: string | undefined): Promise<FactorAnswer> {
    const active = await this.owner(sessionToken);
    if (!this.fresh(active)) return SIGN_IN_AGAIN;
    const id = await this.factors.beginTotp(active.user);
    return { kind: 'redirect', location: `/account/factors/totp/${id}` };
  }

  /** The enrolment page: the otpauth URI, its QR code, the confirmation form. */
  async showTotp(domain: DomainConfig, sessionToken: string | undefined, id: string, error?: Text): Promise<FactorAnswer> {
    const active = await this.owner(sessionToken);
    if (!this.fresh(active)) return SIGN_IN_AGAIN;
    const setup = await this.factors.totpSetup(active.user, id);
    // Already confirmed, someone else's, or pruned: the identity page shows what there is.
    if (setup === undefined) return this.backToIdentityPage(domain, active.user);
    const view = { account: `${active.user.username}@${domain.name}`, id, uri: setup.uri, svg: setup.svg, identityUrl: identifierUrl(domain, active.user.username), error };
    return { kind: 'setup', status: error === undefined ? 200 : 400, view };
  }

  /** The first code confirms the app; the first app also gets recovery codes, shown once. */
  async confirmTotp(domain: DomainConfig, sessionToken: string | undefined, id: string, code: string, client: ClientInfo): Promise<FactorAnswer> {
    const active = await this.owner(sessionToken);
    if (!this.fresh(active)) return SIGN_IN_AGAIN;
    const user = active.user;
    const hadRecovery = (await this.factors.overview(user)).recovery !== undefined;
    if (!(await this.factors.confirmTotp(user, id, code))) return this.showTotp(domain, sessionToken, id, text('account.totp.mismatch'));
    await this.factors.forgetRememberedDevices(user);
    await this.record(user, 'second_factor_added', client);
    await this.bot?.notifySecurity(user, text('bot.notice.totp_added', { account: `${user.username}@${user.domain}` }), client.languages);
    if (hadRecovery) return this.backToIdentityPage(domain, user);
    return { kind: 'codes', view: await this.newCodes(domain, user, client, 'app') };
  }

  /** "New recovery codes": the old ones stop working. Only for an account with an app. */
  async recoveryCodes(domain: DomainConfig, sessionToken: string | undefined, client: ClientInfo): Promise<FactorAnswer> {
    const active = await this.owner(sessionToken);
    if (!this.fresh(active)) return SIGN_IN_AGAIN;
    if (!(await this.factors.enrolled(active.user))) return this.backToIdentityPage(domain, active.user);
    return { kind: 'codes', view: await this.newCodes(domain, active.user, client, false) };
  }

  /** Removes an app; the last one (and the recovery codes with it) needs a recent sign-in. */
  async removeTotp(domain: DomainConfig, sessionToken: string | undefined, id: string, client: ClientInfo): Promise<FactorAnswer> {
    const active = await this.owner(sessionToken);
    const user = active.user;
    if ((await this.factors.isLast(user, id)) && !this.fresh(active)) return SIGN_IN_AGAIN;
    const { removed, remaining } = await this.factors.removeTotp(user, id);
    if (removed) {
      await this.factors.forgetRememberedDevices(user);
      await this.record(user, 'second_factor_removed', client);
      const account = `${user.username}@${user.domain}`;
      // `remaining` counts passkeys too: the catalogue's "N apps remain" only where none is one.
      const passkeysLeft = remaining === 0 ? 0 : (await this.passkeys.list(user)).length;
      const notice =
        remaining === 0
          ? text('bot.notice.totp_removed_last', { account })
          : passkeysLeft === 0
            ? text('bot.notice.totp_removed', { account, count: remaining })
            : text('bot.notice.factor_removed', { account, count: remaining });
      await this.bot?.notifySecurity(user, notice, client.languages);
    }
    return this.backToIdentityPage(domain, user);
  }

  /** "Add a passkey": a recent sign-in first (as for an app), then the page that names and makes it. */
  async beginPasskey(domain: DomainConfig, sessionToken: string | undefined): Promise<FactorAnswer> {
    const active = await this.owner(sessionToken);
    if (!this.fresh(active)) return SIGN_IN_AGAIN;
    if (!this.passkeys.available(domain)) return this.backToIdentityPage(domain, active.user);
    return { kind: 'redirect', location: '/account/factors/passkey' };
  }

  /** The page that adds a passkey: a name, then the browser's WebAuthn ceremony. */
  async showPasskey(domain: DomainConfig, sessionToken: string | undefined): Promise<FactorAnswer> {
    const active = await this.owner(sessionToken);
    if (!this.fresh(active)) return SIGN_IN_AGAIN;
    if (!this.passkeys.available(domain)) return this.backToIdentityPage(domain, active.user);
    return { kind: 'passkey-setup', status: 200, view: await this.passkeyView(domain, active.user) };
  }

  /** WebAuthn registration options for the page's script; the challenge is bound to this session. */
  async passkeyOptions(domain: DomainConfig, sessionToken: string | undefined): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const active = await this.owner(sessionToken);
    if (!this.fresh(active)) throw new FreshSignInRequired();
    return this.passkeys.registrationOptions(domain, active.user, active.session.id);
  }

  /**
   * The authenticator's answer: verified (WebAuthn Level 3 §7.1), stored under its name; then, as
   * for an app, remembered devices forgotten, the change audited and told in chat, and the
   * account's first second factor comes with recovery codes.
   */
  async registerPasskey(domain: DomainConfig, sessionToken: string | undefined, name: string | undefined, response: string, client: ClientInfo, locale: Locale): Promise<FactorAnswer> {
    const active = await this.owner(sessionToken);
    if (!this.fresh(active)) return SIGN_IN_AGAIN;
    const user = active.user;
    // A passkey left unnamed is called "Passkey" in the language of the person who added it.
    const label = passkeyName(name, locale.t('account.passkey.default_name'));
    const hadRecovery = (await this.factors.overview(user)).recovery !== undefined;
    try {
      await this.passkeys.register(domain, user, active.session.id, label, response);
    } catch (error) {
      if (!(error instanceof PasskeyRefused)) throw error;
      const status = error.status === 409 ? 409 : error.status === 401 ? 401 : 400;
      return { kind: 'passkey-setup', status, view: { ...(await this.passkeyView(domain, user)), name: label, error: error.explanation }, problem: error };
    }
    await this.factors.forgetRememberedDevices(user);
    await this.record(user, 'passkey_added', client);
    await this.bot?.notifySecurity(user, text('bot.notice.passkey_added', { label, account: `${user.username}@${user.domain}` }), client.languages);
    if (hadRecovery) return this.backToIdentityPage(domain, user);
    return { kind: 'codes', view: await this.newCodes(domain, user, client, 'passkey') };
  }

  /** Removes a passkey; the last second factor (and the recovery codes with it) needs a recent sign-in. */
  async removePasskey(domain: DomainConfig, sessionToken: string | undefined, id: string, client: ClientInfo): Promise<FactorAnswer> {
    const active = await this.owner(sessionToken);
    const user = active.user;
    if ((await this.factors.isLast(user, id)) && !this.fresh(active)) return SIGN_IN_AGAIN;
    const label = (await this.passkeys.list(user)).find((p) => p.id === id)?.label;
    const { removed, remaining } = await this.passkeys.remove(user, id);
    if (removed) {
      await this.factors.forgetRememberedDevices(user);
      await this.record(user, 'passkey_removed', client);
      const named = { label: label ?? 'Passkey', account: `${user.username}@${user.domain}` };
      const notice = remaining === 0 ? text('bot.notice.passkey_removed_last', named) : text('bot.notice.passkey_removed', { ...named, count: remaining });
      await this.bot?.notifySecurity(user, notice, client.languages);
    }
    return this.backToIdentityPage(domain, user);
  }

  private async passkeyView(domain: DomainConfig, user: User): Promise<Omit<PasskeySetupView, 'csrf'>> {
    const count = (await this.passkeys.list(user)).length;
    const name = count === 0 ? text('account.passkey.default_name') : text('account.passkey.default_name_numbered', { number: count + 1 });
    return { account: `${user.username}@${domain.name}`, identityUrl: identifierUrl(domain, user.username), name };
  }

  private async newCodes(domain: DomainConfig, user: User, client: ClientInfo, afterEnrolment: RecoveryCodesView['afterEnrolment']): Promise<RecoveryCodesView> {
    const codes = await this.factors.newRecoveryCodes(user);
    await this.record(user, 'recovery_codes_created', client);
    if (!afterEnrolment) await this.bot?.notifySecurity(user, text('bot.notice.recovery_codes_new', { account: `${user.username}@${user.domain}` }), client.languages);
    return { account: `${user.username}@${domain.name}`, codes, identityUrl: identifierUrl(domain, user.username), afterEnrolment };
  }

  /** The session's sign-in is recent enough to change how the account signs in. */
  private fresh(active: ActiveSession): boolean {
    return this.clock.now().getTime() - active.session.authTime.getTime() <= this.security.second_factor.fresh_sign_in * 1000;
  }

  private async owner(sessionToken: string | undefined): Promise<ActiveSession> {
    const active = await this.sessions.resolve(sessionToken);
    if (!active) throw new NotSignedIn();
    return active;
  }

  private backToIdentityPage(domain: DomainConfig, user: User): FactorAnswer {
    return { kind: 'redirect', location: identifierUrl(domain, user.username) };
  }

  private record(user: User, kind: AuditKind, client: ClientInfo): Promise<void> {
    return this.audit.record({ kind, domain: user.domain, userId: user.id, ip: client.ip, userAgent: client.userAgent });
  }
}

/** The name a person gave their passkey: trimmed, control characters dropped, at most MAX_PASSKEY_NAME characters; `fallback` when empty. */
export function passkeyName(input: string | undefined, fallback: string): string {
  // Control and format characters (bidi overrides, zero-width ones) go: the name is shown in
  // security notices, where reordered or hidden text would mislead the person they warn.
  const cleaned = [...(input ?? '').replace(/[\p{Cc}\p{Cf}]/gu, ' ').replace(/\s+/g, ' ').trim()].slice(0, MAX_PASSKEY_NAME).join('');
  return cleaned === '' ? fallback : cleaned;
}
