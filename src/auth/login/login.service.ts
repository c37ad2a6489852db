import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { securityConfig } from '../../config/namespaces.js';
import type { AuditKind } from '../../audit/audit.entity.js';
import { AuditService } from '../../audit/audit.service.js';
import type { DomainConfig } from '../../config/config.schema.js';
import { isDatabaseUnavailable } from '../../database/database-errors.js';
import { identifierUrl } from '../../discovery/urls.js';
import { Metrics } from '../../http/metrics.js';
import { text, type Text } from '../../i18n/locale.js';
import type { ClientInfo } from '../../http/request-input.js';
import type { InvalidInput } from '../../http/validation.js';
import { MAX_PASSWORD } from '../../users/users.service.js';
import type { User } from '../../users/user.entity.js';
import type { XmppUnavailable } from '../../xmpp/xmpp-errors.js';
import { UsersService } from '../../users/users.service.js';
import type { CheckidContext } from '../checkid/checkid-context.js';
import { CheckidService } from '../checkid/checkid.service.js';
import { forLayout, type Outcome } from '../checkid/outcome.js';
import { MAX_PENDING_REQUEST_ID } from '../checkid/pending-request.dto.js';
import { type ActiveSession, SessionService } from '../session/session.service.js';
import type { Session } from '../session/session.entity.js';
import { firstFactorAmr } from '../factors/assurance.js';
import { SecondFactorService } from '../factors/second-factor.service.js';
import { PasskeyService } from '../factors/passkey.service.js';
import { INTERACTION_PATH, PASSKEY_DECLINED_QUERY } from '../../oidc/paths.js';
import { OidcSignInTargets, type SignInApplication } from '../../oidc/interactions/sign-in-target.js';
import { CredentialBackend } from './credential-backend.js';
import { INTERACTION_UID, type LoginForm } from './login.dto.js';
import type { LoginView } from './login-page.js';
import { type DeviceCookie, LoginDeviceService } from './login-device.service.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { waitText } from './wait-text.js';

const MESSAGES = {
  invalid_credentials: text('login.errors.invalid_credentials'),
  account_disabled: text('login.errors.account_disabled'),
  unavailable: text('login.errors.unavailable'),
} as const;

function tooManyAttempts(seconds: number): Text {
  return text('login.errors.throttled', { wait: waitText(seconds) });
}

/** The login page's data; the controller adds the CSRF token of the browser. */
export type LoginPageModel = Omit<LoginView, 'csrf'>;

/** The context a successful proof of the account signs in with. */
export interface SignInStep {
  /** The parked OpenID request this sign-in continues, if any. */
  ctx: CheckidContext | undefined;
  requestId: string | undefined;
  /** The browser's session before this sign-in (ended: no fixation). */
  sessionToken: string | undefined;
  client: ClientInfo;
  remember: boolean;
  /** How the account was proved (sessions.auth_method): the password form unless said otherwise. */
  authMethod?: Session['authMethod'];
  /** The browser's device cookie, if it sent one (kept when it is this account's, else replaced). */
  deviceToken?: string | undefined;
  /** The OpenID Connect interaction this sign-in continues (its uid, checked by the DTO). */
  interaction?: string | undefined;
  /** "Remember this device" was ticked on the code page (security.second_factor.remember_device). */
  rememberDevice?: boolean;
}

/** The second-factor page continuing the same request or interaction. */
export function codePageUrl(continues: { requestId?: string | undefined; interaction?: string | undefined }): string {
  if (continues.interaction !== undefined) return `/login/code?interaction=${encodeURIComponent(continues.interaction)}`;
  return continues.requestId ? `/login/code?request=${encodeURIComponent(continues.requestId)}` : '/login/code';
}

/** What a login page continues: a parked OpenID 2.0 request (its context when already resumed) or an OpenID Connect interaction. */
export interface Continues {
  requestId?: string | undefined;
  interaction?: string | undefined;
  ctx?: CheckidContext | undefined;
}

/** A session to hand to the browser (cookie value and lifetime). */
export interface NewSession {
  token: string;
  maxAgeSeconds: number | undefined;
}

/** What a login step answers; LoginController (answerLogin) turns it into HTTP. */
export type LoginResult =
  /** The login page, with a message when something was refused. */
  | { kind: 'page'; status: 200 | 400 | 401 | 429 | 503; view: LoginPageModel; retryAfter?: number }
  /**
   * No verdict on the password (the domain's XMPP server is down, slow or fails TLS): the login
   * page with a 503 for browsers, `error`'s problem document for machines.
   */
  | { kind: 'unavailable'; view: LoginPageModel; error: XmppUnavailable }
  /** Nothing to sign in to: already signed in (the identity page is where they want to be). */
  | { kind: 'redirect'; location: string }
  /**
   * Signed in: the new session, then the next step (the pending request's outcome, or the
   * identity page). If that step failed, the session is still the browser's: `next` holds the
   * error to answer after the cookie is set.
   */
  | { kind: 'signed-in'; session: NewSession; device: DeviceCookie | undefined; next: Outcome | { kind: 'error'; error: unknown } };

/**
 * The login flow: throttling (per account and per address, with back-off), the credential check,
 * the sign-in history, a fresh session, and the parked OpenID request it continues.
 */
@Injectable()
export class LoginService {
  constructor(
    private readonly credentials: CredentialBackend,
    private readonly sessions: SessionService,
    private readonly checkid: CheckidService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
    private readonly users: UsersService,
    @Inject(Metrics) private readonly metrics: Metrics,
    private readonly devices: LoginDeviceService,
    private readonly applications: OidcSignInTargets,
    private readonly factors: SecondFactorService,
    private readonly passkeys: PasskeyService,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
  ) {}

  /** GET /login, for a parked request or on its own. */
  async show(domain: DomainConfig, requestId: string | undefined, sessionToken: string | undefined, client: ClientInfo, interaction?: string, fresh = false): Promise<LoginResult> {
    // An OpenID Connect interaction sends a signed-in person here when it needs a fresh sign-in
    // (prompt=login, max_age; OpenID Connect Core 1.0 §3.1.2.1): the form, not the identity page.
    if (!requestId && !interaction) {
      const active = await this.sessions.resolve(sessionToken);
      if (active && active.user.domain === domain.name) {
        // ?fresh=1: changing the second factors needs a recent sign-in (security.second_factor.fresh_sign_in).
        if (!fresh) return { kind: 'redirect', location: identifierUrl(domain, active.user.username) };
        const view = await this.view(domain, {}, client);
        return { kind: 'page', status: 200, view: { ...view, username: active.user.username, notice: text('login.fresh_sign_in') } };
      }
    }
    return { kind: 'page', status: 200, view: await this.view(domain, { requestId, interaction }, client) };
  }

  /**
   * POST /login (CSRF already checked, form validated). `deviceToken`: the browser's device
   * cookie, which counts the attempt on that device instead of the account when it is valid.
   */
  async submit(domain: DomainConfig, form: LoginForm, sessionToken: string | undefined, client: ClientInfo, deviceToken?: string): Promise<LoginResult> {
    const requestId = form.request || undefined;
    const ctx = requestId === undefined ? undefined : await this.checkid.resume(domain, requestId, client);
    // A refused attempt answers the form again, still continuing the same request or interaction.
    const continues: Continues = { requestId, interaction: form.interaction, ctx };
    const { username, password } = form;
    const device = await this.devices.deviceOf(deviceToken, domain.name, username);
    const keys = this.throttle.keys(domain.name, username, client.ip, device);
    // The attempt is counted before the password is checked (OWASP ASVS 4.0 2.2.1): parallel
    // guesses cannot all be verified before the first failure counts.
    const verdict = await this.throttle.reserve(keys);
    if (!verdict.allowed) {
      // No password is checked while locked: the lock costs an attacker the attempt.
      await this.record(domain, username, client, 'login_throttled');
      this.metrics.signIns.inc({ method: 'password', outcome: 'throttled' });
      this.metrics.loginThrottled.inc();
      return this.refuse(domain, continues, client, username, 429, tooManyAttempts(verdict.wait), verdict.wait);
    }
    let result: Awaited<ReturnType<CredentialBackend['verify']>>;
    try {
      result = await this.credentials.verify(domain.name, username, password);
    } catch (error) {
      // No verdict on the password. The database went away meanwhile: the attempt is given back in
      // the background (retried until it answers), and the request fails now instead of waiting
      // for another timeout. Anything else: given back at once.
      if (isDatabaseUnavailable(error)) this.throttle.giveBackLater(verdict.reservation);
      else await this.throttle.giveBack(verdict.reservation);
      throw error;
    }
    if (!result.ok && result.reason === 'unavailable') {
      // Nothing is known about the password: not a failure of the user's, so neither the account
      // nor the address is counted, and the page says to try again, never "wrong password".
      this.metrics.signIns.inc({ method: 'password', outcome: 'unavailable' });
      await this.throttle.giveBack(verdict.reservation);
      const view = await this.view(domain, continues, client);
      return { kind: 'unavailable', view: { ...view, username, error: MESSAGES.unavailable }, error: result.error };
    }
    if (!result.ok) {
      await this.record(domain, username, client, 'login_failed');
      this.metrics.signIns.inc({ method: 'password', outcome: 'failure' });
      this.metrics.loginFailures.inc({ reason: result.reason });
      const wait = this.throttle.failed(verdict.reservation);
      if (wait > 0) return this.refuse(domain, continues, client, username, 429, tooManyAttempts(wait), wait);
      return this.refuse(domain, continues, client, username, 401, MESSAGES[result.reason]);
    }
    await this.throttle.succeeded(verdict.reservation);
    return this.completeSignIn(domain, result.user, { ctx, requestId, sessionToken, client, remember: form.remember === '1', deviceToken, interaction: form.interaction });
  }

  /**
   * What every way of proving an account ends with (the password form, the approval from the chat
   * app): when the account has a second factor (and this browser is not remembered past it), a
   * sign-in that waits for its code (no usable session yet: the code page, then finishSignIn);
   * otherwise the sign-in history, a fresh session, then the parked OpenID request it continues
   * or the identity page.
   */
  async completeSignIn(domain: DomainConfig, user: User, step: SignInStep & { authMethod?: 'password' | 'xmpp' }): Promise<LoginResult> {
    const authMethod = step.authMethod ?? 'password';
    const amr = firstFactorAmr(authMethod);
    if ((await this.factors.enrolled(user)) && !(await this.devices.factorRemembered(step.deviceToken, user))) {
      // The session before this sign-in ends now (no fixation); the pending one signs nobody in.
      await this.sessions.revoke(step.sessionToken);
      const pending = await this.sessions.create(user, { remember: step.remember, ip: step.client.ip, userAgent: step.client.userAgent, authMethod, amr, pending: true });
      const session = { token: pending.token, maxAgeSeconds: undefined };
      // A popup keeps its opener through this redirect too (OpenID UI Extension 1.0 §5).
      return { kind: 'signed-in', session, device: undefined, next: forLayout(step.ctx?.ui, { kind: 'redirect', location: codePageUrl(step) }) };
    }
    // A remembered device skips the code, but it is no factor: the sign-in reports one.
    return this.startSession(domain, user, step, amr, undefined);
  }

  /**
   * A passkey signed in alone (PasskeyLoginService; WebAuthn with user verification): no second
   * step, the passkey was both factors (`amr`, src/auth/factors/assurance.ts passkeyAmr). A fresh
   * session, then the parked request or interaction, as after a password.
   */
  signInWithPasskey(domain: DomainConfig, user: User, amr: readonly string[], step: SignInStep): Promise<LoginResult> {
    return this.startSession(domain, user, { ...step, authMethod: 'passkey' }, amr, undefined);
  }

  /**
   * The second factor was right (SecondFactorLoginService): the pending sign-in becomes a session
   * (a new token: the pending one ends) whose amr says both factors, dated from the first one's
   * auth_time, and the parked request goes on.
   */
  async finishSignIn(domain: DomainConfig, user: User, pending: Session, amr: readonly string[], step: SignInStep): Promise<LoginResult> {
    return this.startSession(domain, user, { ...step, remember: pending.remember, authMethod: pending.authMethod }, amr, pending.authTime);
  }

  /** The parked request or interaction after a sign-in or a step-up, for this session; the identity page when there is none. */
  async continueAfter(domain: DomainConfig, user: User, active: ActiveSession, step: Pick<SignInStep, 'ctx' | 'requestId' | 'interaction'> & { passkeyDeclined?: boolean }): Promise<Outcome> {
    const declined = step.passkeyDeclined === true;
    if (step.interaction !== undefined) return { kind: 'redirect', location: `${INTERACTION_PATH}/${step.interaction}${declined ? `?${PASSKEY_DECLINED_QUERY}` : ''}` };
    if (!step.ctx || !step.requestId) return { kind: 'redirect', location: identifierUrl(domain, user.username) };
    return this.checkid.decide(step.ctx, active, step.requestId, { passkeyDeclined: declined });
  }

  private async startSession(domain: DomainConfig, user: User, step: SignInStep, amr: readonly string[], authTime: Date | undefined): Promise<LoginResult> {
    const { ctx, sessionToken, client, remember } = step;
    await this.audit.record({ kind: 'login_succeeded', domain: domain.name, userId: user.id, realm: ctx?.realm?.value, ...client });
    this.metrics.signIns.inc({ method: step.authMethod === 'xmpp' ? 'xmpp_approval' : (step.authMethod ?? 'password'), outcome: 'success' });
    // A new session at every login, the old one ended: a session id planted before login is
    // worth nothing after it (no fixation).
    await this.sessions.revoke(sessionToken);
    const created = await this.sessions.create(user, { remember, ip: client.ip, userAgent: client.userAgent, authMethod: step.authMethod, amr, ...(authTime ? { authTime } : {}) });
    const session = { token: created.token, maxAgeSeconds: this.sessions.cookieMaxAge(created.session) };
    // OWASP device cookies: this browser may sign in to this account while it is locked for others.
    const device = await this.devices.issue(user, step.deviceToken);
    // "Remember this device" (the code page): this browser's next sign-ins skip the code.
    if (step.rememberDevice) {
      const token = device?.token ?? step.deviceToken;
      if (token !== undefined) await this.devices.rememberFactor(user, token);
    }
    try {
      return { kind: 'signed-in', session, device, next: await this.continueAfter(domain, user, { session: created.session, user }, step) };
    } catch (error) {
      // E.g. the request was answered meanwhile (a double-submitted form): signed in all the same.
      return { kind: 'signed-in', session, device, next: { kind: 'error', error } };
    }
  }

  /**
   * The login page again for a form the LoginForm DTO refused, with what to fix. `requestId` and
   * `interaction` are the raw fields, each kept only if it could be one of ours, so that the
   * OpenID 2.0 request or the OpenID Connect interaction goes on after the next try.
   */
  async rejected(domain: DomainConfig, error: InvalidInput, requestId: unknown, client: ClientInfo, interaction?: unknown): Promise<LoginResult> {
    const id = typeof requestId === 'string' && requestId.length > 0 && requestId.length <= MAX_PENDING_REQUEST_ID ? requestId : undefined;
    const uid = typeof interaction === 'string' && INTERACTION_UID.test(interaction) ? interaction : undefined;
    return { kind: 'page', status: 400, view: { ...(await this.view(domain, { requestId: id, interaction: uid }, client)), error: rejection(error) } };
  }

  /** The login page with a message, for the other ways of proving an account (approval from the chat app). */
  refused(domain: DomainConfig, continues: Continues, client: ClientInfo, username: string, status: 400 | 401 | 429 | 503, error: Text, retryAfter?: number): Promise<LoginResult> {
    return this.refuse(domain, continues, client, username, status, error, retryAfter);
  }

  /** The application an OpenID Connect interaction signs in to (for the chat app's messages), if it is still pending. */
  application(domain: DomainConfig, interaction: string | undefined): Promise<SignInApplication | undefined> {
    return interaction === undefined ? Promise.resolve(undefined) : this.applications.describe(domain, interaction);
  }

  /** Failed logins go in the history of the account they were aimed at, when it exists. */
  private async record(domain: DomainConfig, username: string, client: ClientInfo, kind: AuditKind): Promise<void> {
    const userId = (await this.users.find(domain.name, username))?.id ?? null;
    await this.audit.record({ kind, domain: domain.name, userId, ...client });
  }

  private async refuse(domain: DomainConfig, continues: Continues, client: ClientInfo, username: string, status: 400 | 401 | 429 | 503, error: Text, retryAfter?: number): Promise<LoginResult> {
    const view = await this.view(domain, continues, client);
    return { kind: 'page', status, view: { ...view, username, error }, ...(retryAfter === undefined ? {} : { retryAfter }) };
  }

  private async view(domain: DomainConfig, continues: Continues, client: ClientInfo): Promise<LoginPageModel> {
    const { requestId, interaction } = continues;
    const ctx = continues.ctx ?? (requestId ? await this.checkid.resume(domain, requestId, client) : undefined);
    // The interaction is kept even once expired: signing in then ends on oidc-provider's own
    // "expired" answer at the interaction (our error page), which tells the person to go back.
    const application = await this.application(domain, interaction);
    return {
      requestId: ctx ? requestId : undefined,
      interaction,
      application,
      domain: domain.name,
      username: ctx?.identity?.kind === 'user' ? ctx.identity.username : undefined,
      realm: ctx?.realm?.value,
      // The sign-in ends with a redirect there (CSP form-action follows redirects).
      returnToOrigin: ctx?.returnTo ? new URL(ctx.returnTo.value).origin : application?.origin,
      // DESIGN.md "XMPP": the second submit button, where a bot can send the confirm request.
      chatApproval: domain.accounts === 'xmpp' && domain.xmpp?.bot !== undefined,
      popup: ctx?.ui?.popup,
      // The page's language after the switcher's: the RP's ui.lang (OpenID UI Extension 1.0 §4.2),
      // or the OpenID Connect client's ui_locales (Core 1.0 §3.1.2.1).
      languages: ctx?.ui?.languages ?? application?.languages,
      // "Sign in with a passkey" where the operator allows it (security.passkeys.sign_in) and the
      // domain can have passkeys (a domain name over HTTPS: WebAuthn Level 3 §5.1.2).
      passkeySignIn: this.security.passkeys.sign_in && this.passkeys.available(domain),
    };
  }
}

/** What a person reads when the form was refused before any credential was looked at. */
function rejection(error: InvalidInput): Text {
  if (error.has('username', 'maxLength')) return text('login.errors.username_too_long');
  if (error.has('password', 'maxLength')) return text('login.errors.password_too_long', { max: MAX_PASSWORD });
  return text('login.errors.unreadable');
}
