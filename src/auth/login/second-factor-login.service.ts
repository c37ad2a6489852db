import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { AuditKind } from '../../audit/audit.entity.js';
import { AuditService } from '../../audit/audit.service.js';
import type { DomainConfig } from '../../config/config.schema.js';
import { securityConfig } from '../../config/namespaces.js';
import { isDatabaseUnavailable } from '../../database/database-errors.js';
import { Metrics } from '../../http/metrics.js';
import type { ClientInfo } from '../../http/request-input.js';
import { text, type Text } from '../../i18n/locale.js';
import type { User } from '../../users/user.entity.js';
import { OpenIdBot } from '../../xmpp/bot/openid-bot.service.js';
import type { CheckidContext } from '../checkid/checkid-context.js';
import { CheckidService } from '../checkid/checkid.service.js';
import type { Outcome } from '../checkid/outcome.js';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { AppError } from '../../http/app-error.js';
import { readCode } from '../factors/codes.js';
import { type SecondFactorKind, withSecondFactor } from '../factors/assurance.js';
import { passkeyCounterNotice, PasskeyRefused, PasskeyService } from '../factors/passkey.service.js';
import { SecondFactorService } from '../factors/second-factor.service.js';
import { type ActiveSession, SessionService } from '../session/session.service.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { type LoginResult, LoginService } from './login.service.js';
import type { PasskeyAssertionForm, SecondFactorForm } from './login.dto.js';
import type { SecondFactorView } from './second-factor-page.js';
import { waitText } from './wait-text.js';

const MESSAGES = {
  not_a_code: text('login.code.errors.not_a_code'),
  wrong_code: text('login.code.errors.wrong_code'),
} as const;

function tooManyAttempts(seconds: number): Text {
  return text('login.code.errors.throttled', { wait: waitText(seconds) });
}

/** No sign-in waits for a second factor in this browser (the passkey script's options request). */
export class SecondFactorNotPending extends AppError {
  constructor() {
    super('second_factor_not_pending', 401, text('passkeys.second_factor_not_pending.title'), text('passkeys.second_factor_not_pending.detail'));
  }
}

/** The code page's data; the controller adds the CSRF token. */
export type SecondFactorPageModel = Omit<SecondFactorView, 'csrf'>;

/** What a step of the code page answers (SecondFactorController turns it into HTTP). */
export type SecondFactorResult =
  /** `problem`: a refused passkey, answered to machines as its problem document (browsers get the page). */
  | { kind: 'page'; status: 200 | 400 | 401 | 409 | 429; view: SecondFactorPageModel; retryAfter?: number; problem?: AppError }
  /** The sign-in finished, or nothing to do here: answered as a login step (cookies, redirect). */
  | { kind: 'login'; result: LoginResult }
  /** A step-up met: the session stays, the parked request goes on. */
  | { kind: 'outcome'; outcome: Outcome };

interface Who {
  mode: 'sign-in' | 'step-up';
  found: ActiveSession;
}

/** What the code page continues (checked by the DTOs). */
export interface CodeContinues {
  requestId?: string | undefined;
  interaction?: string | undefined;
  /** The step-up wants a passkey (a site asked for phishing-resistant authentication): the page says so. */
  wantPasskey?: boolean | undefined;
}

/**
 * The second step of a sign-in to an account with a second factor (issue 13 point 2), and the
 * step-up a site asks of a signed-in session (PAPE multi-factor, acr_values): one code, throttled
 * like passwords (the attempt reserved before the code is checked), single-use, and then the
 * parked OpenID 2.0 request or OpenID Connect interaction goes on.
 */
@Injectable()
export class SecondFactorLoginService {
  constructor(
    private readonly sessions: SessionService,
    private readonly factors: SecondFactorService,
    private readonly passkeys: PasskeyService,
    private readonly login: LoginService,
    private readonly checkid: CheckidService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Optional() private readonly bot?: OpenIdBot,
  ) {}

  async show(domain: DomainConfig, continues: CodeContinues, sessionToken: string | undefined, client: ClientInfo): Promise<SecondFactorResult> {
    const who = await this.who(domain, sessionToken);
    if (who === undefined) return this.expired(domain, continues, client);
    return { kind: 'page', status: 200, view: await this.view(domain, who, continues, client) };
  }

  async submit(domain: DomainConfig, form: SecondFactorForm, sessionToken: string | undefined, client: ClientInfo, deviceToken: string | undefined): Promise<SecondFactorResult> {
    const continues: CodeContinues = { requestId: form.request || undefined, interaction: form.interaction, wantPasskey: form.want === 'passkey' };
    const who = await this.who(domain, sessionToken);
    if (who === undefined || sessionToken === undefined) return this.expired(domain, continues, client);
    const user = who.found.user;
    // The parked request first (as the login form does): one that expired fails here, before a
    // code is spent on it.
    const ctx = continues.requestId === undefined ? undefined : await this.checkid.resume(domain, continues.requestId, client);
    // Not a code at all (NUL, letters outside base32, the wrong length): nothing is checked, so
    // nothing is counted either.
    if (readCode(form.code) === undefined) return this.refuse(domain, who, continues, client, 400, MESSAGES.not_a_code);
    const keys = this.throttle.codeKeys(domain.name, user.username, client.ip);
    // Counted before the code is checked (OWASP ASVS 4.0 2.2.1), as passwords are.
    const verdict = await this.throttle.reserve(keys);
    if (!verdict.allowed) {
      await this.record(user, 'second_factor_throttled', client);
      this.metrics.signIns.inc({ method: 'second_factor', outcome: 'throttled' });
      this.metrics.loginThrottled.inc();
      return this.refuse(domain, who, continues, client, 429, tooManyAttempts(verdict.wait), verdict.wait);
    }
    let kind: Awaited<ReturnType<SecondFactorService['verify']>>;
    try {
      kind = await this.factors.verify(user, form.code);
    } catch (error) {
      if (isDatabaseUnavailable(error)) this.throttle.giveBackLater(verdict.reservation);
      else await this.throttle.giveBack(verdict.reservation);
      throw error;
    }
    if (kind === undefined) {
      await this.record(user, 'second_factor_failed', client);
      this.metrics.signIns.inc({ method: 'second_factor', outcome: 'failure' });
      this.metrics.loginFailures.inc({ reason: 'wrong_code' });
      const wait = this.throttle.failed(verdict.reservation);
      if (wait > 0) return this.refuse(domain, who, continues, client, 429, tooManyAttempts(wait), wait);
      return this.refuse(domain, who, continues, client, 401, MESSAGES.wrong_code);
    }
    await this.throttle.succeeded(verdict.reservation);
    if (kind === 'recovery') await this.recoveryCodeUsed(user, client);
    return this.succeeded(domain, who, kind, { sessionToken, continues, ctx, client, deviceToken, rememberDevice: form.remember_device === '1' && kind === 'totp' });
  }

  /**
   * "Use a passkey" on the code page: WebAuthn Level 3 authentication options for this account's
   * passkeys (allowCredentials), the challenge bound to this pending sign-in (or the session a
   * site wants stepped up). The page's script asks for them.
   */
  async passkeyOptions(domain: DomainConfig, sessionToken: string | undefined): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const who = await this.who(domain, sessionToken);
    if (who === undefined) throw new SecondFactorNotPending();
    return this.passkeys.authenticationOptions(domain, 'second_factor', { sessionId: who.found.session.id }, who.found.user, null);
  }

  /**
   * The passkey's answer on the code page: throttled like a code (the attempt reserved before the
   * signature is checked, on the same buckets), then the sign-in finishes (or the step-up is met)
   * as with a code; the session's amr says `hwk` and `mfa` (src/auth/factors/assurance.ts).
   */
  async submitPasskey(domain: DomainConfig, form: PasskeyAssertionForm, sessionToken: string | undefined, client: ClientInfo, deviceToken: string | undefined): Promise<SecondFactorResult> {
    const continues: CodeContinues = { requestId: form.request || undefined, interaction: form.interaction };
    const who = await this.who(domain, sessionToken);
    if (who === undefined || sessionToken === undefined) return this.expired(domain, continues, client);
    const user = who.found.user;
    const ctx = continues.requestId === undefined ? undefined : await this.checkid.resume(domain, continues.requestId, client);
    let claim: ReturnType<PasskeyService['read']>;
    try {
      claim = this.passkeys.read(form.response);
    } catch (error) {
      // Nothing a passkey made: nothing checked, nothing counted (as for "not a code").
      if (error instanceof PasskeyRefused) return this.refuse(domain, who, continues, client, 400, error.explanation, undefined, error);
      throw error;
    }
    const verdict = await this.throttle.reserve(this.throttle.codeKeys(domain.name, user.username, client.ip));
    if (!verdict.allowed) {
      await this.record(user, 'second_factor_throttled', client);
      this.metrics.signIns.inc({ method: 'second_factor', outcome: 'throttled' });
      this.metrics.loginThrottled.inc();
      return this.refuse(domain, who, continues, client, 429, tooManyAttempts(verdict.wait), verdict.wait);
    }
    let synced: boolean;
    try {
      synced = (await this.passkeys.verifyAssertion(domain, 'second_factor', { sessionId: who.found.session.id }, claim, user)).passkey.backupEligible;
    } catch (error) {
      if (!(error instanceof PasskeyRefused)) {
        if (isDatabaseUnavailable(error)) this.throttle.giveBackLater(verdict.reservation);
        else await this.throttle.giveBack(verdict.reservation);
        throw error;
      }
      await this.passkeyFailed(user, error, client);
      const wait = this.throttle.failed(verdict.reservation);
      if (wait > 0) return this.refuse(domain, who, continues, client, 429, tooManyAttempts(wait), wait);
      return this.refuse(domain, who, continues, client, error.status === 400 ? 400 : 401, error.explanation, undefined, error);
    }
    await this.throttle.succeeded(verdict.reservation);
    return this.succeeded(domain, who, 'webauthn', { sessionToken, continues, ctx, client, deviceToken, rememberDevice: false, synced });
  }

  /** A refused passkey: audited (a counter gone backwards also told in chat: the passkey may have been copied). */
  private async passkeyFailed(user: User, error: PasskeyRefused, client: ClientInfo): Promise<void> {
    this.metrics.signIns.inc({ method: 'second_factor', outcome: 'failure' });
    this.metrics.loginFailures.inc({ reason: 'passkey_refused' });
    if (error.reason === 'counter_regression') {
      await this.record(user, 'passkey_counter_regression', client);
      await this.bot?.notifySecurity(user, passkeyCounterNotice(user), client.languages);
      return;
    }
    await this.record(user, 'second_factor_failed', client);
  }

  /** The second factor was right: the sign-in finishes, or the step-up is met and the parked request goes on. */
  private async succeeded(
    domain: DomainConfig,
    who: Who,
    kind: SecondFactorKind,
    step: { sessionToken: string; continues: CodeContinues; ctx: CheckidContext | undefined; client: ClientInfo; deviceToken: string | undefined; rememberDevice: boolean; synced?: boolean },
  ): Promise<SecondFactorResult> {
    const { sessionToken, continues, ctx, client } = step;
    const user = who.found.user;
    this.metrics.signIns.inc({ method: 'second_factor', outcome: 'success' });
    const amr = withSecondFactor(who.found.session.amr, kind, step.synced === true);
    if (who.mode === 'sign-in') {
      const result = await this.login.finishSignIn(domain, user, who.found.session, amr, {
        ctx,
        requestId: continues.requestId,
        sessionToken,
        client,
        remember: who.found.session.remember,
        deviceToken: step.deviceToken,
        interaction: continues.interaction,
        rememberDevice: step.rememberDevice,
      });
      return { kind: 'login', result };
    }
    // Step-up: this session now says both factors (its auth_time stays the first factor's).
    await this.sessions.recordSecondFactor(sessionToken, amr);
    await this.record(user, 'step_up_succeeded', client, ctx?.realm?.value);
    const active: ActiveSession = { user, session: Object.assign(who.found.session, { amr }) };
    // Asked for a passkey, given a code: the person declined the passkey for this request. The site
    // is told what was met (PAPE 1.0 §5.1 "as many as it can", §5.2; Connect's acr) rather than
    // asked again: no loop back to this page.
    const passkeyDeclined = kind !== 'webauthn' && continues.wantPasskey === true;
    return { kind: 'outcome', outcome: await this.login.continueAfter(domain, user, active, { ctx, requestId: continues.requestId, interaction: continues.interaction, passkeyDeclined }) };
  }

  /** A pending sign-in (the code or passkey finishes it), or a signed-in session of an account with a factor (a step-up). */
  private async who(domain: DomainConfig, sessionToken: string | undefined): Promise<Who | undefined> {
    const pending = await this.sessions.resolvePending(sessionToken);
    if (pending !== undefined) return pending.user.domain === domain.name ? { mode: 'sign-in', found: pending } : undefined;
    const active = await this.sessions.resolve(sessionToken);
    if (active === undefined || active.user.domain !== domain.name || !(await this.factors.enrolled(active.user))) return undefined;
    return { mode: 'step-up', found: active };
  }

  /** No sign-in waits for a code here (it timed out, or never was): the login page again, for the same request. */
  private async expired(domain: DomainConfig, continues: CodeContinues, client: ClientInfo): Promise<SecondFactorResult> {
    const result = await this.login.refused(domain, continues, client, '', 401, text('login.code.errors.timed_out'));
    return { kind: 'login', result };
  }

  private async recoveryCodeUsed(user: User, client: ClientInfo): Promise<void> {
    await this.record(user, 'recovery_code_used', client);
    const left = (await this.factors.overview(user)).recovery?.left ?? 0;
    await this.bot?.notifySecurity(user, text('bot.notice.recovery_code_used', { account: `${user.username}@${user.domain}`, count: left }), client.languages);
  }

  private refuse(domain: DomainConfig, who: Who, continues: CodeContinues, client: ClientInfo, status: 400 | 401 | 429, error: Text, retryAfter?: number, problem?: AppError): Promise<SecondFactorResult> {
    return this.view(domain, who, continues, client).then((view) => ({
      kind: 'page',
      status,
      view: { ...view, error },
      ...(retryAfter === undefined ? {} : { retryAfter }),
      ...(problem === undefined ? {} : { problem }),
    }));
  }

  private async view(domain: DomainConfig, who: Who, continues: CodeContinues, client: ClientInfo): Promise<SecondFactorPageModel> {
    const ctx: CheckidContext | undefined = continues.requestId ? await this.checkid.resume(domain, continues.requestId, client) : undefined;
    const application = await this.login.application(domain, continues.interaction);
    const user = who.found.user;
    const { apps } = await this.factors.overview(user);
    return {
      // "Use a passkey" for an account that has one, on a domain that can have them.
      passkey: this.passkeys.available(domain) && (await this.passkeys.hasAny(user)),
      wantPasskey: continues.wantPasskey === true,
      hasApp: apps.length > 0,
      domain: domain.name,
      account: `${who.found.user.username}@${domain.name}`,
      mode: who.mode,
      requestId: ctx ? continues.requestId : undefined,
      interaction: continues.interaction,
      site: ctx?.realm?.value ?? application?.name,
      returnToOrigin: ctx?.returnTo ? new URL(ctx.returnTo.value).origin : application?.origin,
      rememberDays: Math.max(1, Math.round(this.security.second_factor.remember_device / 86_400)),
      popup: ctx?.ui?.popup,
      // The page's language after the switcher's: the RP's ui.lang (OpenID UI Extension 1.0 §4.2),
      // or the OpenID Connect client's ui_locales (Core 1.0 §3.1.2.1).
      languages: ctx?.ui?.languages ?? application?.languages,
    };
  }

  private record(user: User, kind: AuditKind, client: ClientInfo, realm?: string): Promise<void> {
    return this.audit.record({ kind, domain: user.domain, userId: user.id, realm, ...client });
  }
}
