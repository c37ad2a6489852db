import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { AuditService } from '../../audit/audit.service.js';
import type { AuditKind } from '../../audit/audit.entity.js';
import type { DomainConfig } from '../../config/config.schema.js';
import { securityConfig } from '../../config/namespaces.js';
import { isDatabaseUnavailable } from '../../database/database-errors.js';
import { AppError } from '../../http/app-error.js';
import { clientAddressKey } from '../../http/client-address.js';
import { Metrics } from '../../http/metrics.js';
import type { ClientInfo } from '../../http/request-input.js';
import { text, type Text } from '../../i18n/locale.js';
import type { User } from '../../users/user.entity.js';
import { UsersService } from '../../users/users.service.js';
import { OpenIdBot } from '../../xmpp/bot/openid-bot.service.js';
import { CheckidService } from '../checkid/checkid.service.js';
import { passkeyAmr } from '../factors/assurance.js';
import { passkeyCounterNotice, type PasskeyClaim, PasskeyRefused, PasskeyService } from '../factors/passkey.service.js';
import { LoginThrottleService } from './login-throttle.service.js';
import type { PasskeyAssertionForm } from './login.dto.js';
import { type Continues, type LoginResult, LoginService } from './login.service.js';
import { waitText } from './wait-text.js';

/** security.passkeys.sign_in is off (or the domain cannot have passkeys): the endpoints are not there. */
export class PasskeySignInDisabled extends AppError {
  constructor() {
    super('passkey_sign_in_disabled', 404, text('passkeys.sign_in_disabled.title'), text('passkeys.sign_in_disabled.detail'));
  }
}

/** What a passkey sign-in answers: a login step; `problem` for machines when the passkey was refused. */
export interface PasskeySignInResult {
  result: LoginResult;
  problem?: AppError;
}

/**
 * "Sign in with a passkey" (issue 13 point 1): a discoverable credential with user verification
 * signs in alone (WebAuthn Level 3 §7.2, allowCredentials empty, the account named by the
 * credential's user handle), where security.passkeys.sign_in allows it. The challenge is bound to
 * the browser (the SHA-256 of its CSRF token, which a sign-in renews), the attempt is throttled
 * like a second factor's (reserved before the signature is checked), and the sign-in goes on like
 * a password's: the parked OpenID 2.0 request (request=) or the OpenID Connect interaction.
 */
@Injectable()
export class PasskeyLoginService {
  constructor(
    private readonly passkeys: PasskeyService,
    private readonly login: LoginService,
    private readonly checkid: CheckidService,
    private readonly throttle: LoginThrottleService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Optional() private readonly bot?: OpenIdBot,
  ) {}

  /** WebAuthn authentication options for a passkey-only sign-in (JSON for the page's script). */
  options(domain: DomainConfig, browserHash: Buffer, client: ClientInfo): Promise<PublicKeyCredentialRequestOptionsJSON> {
    this.requireOffered(domain);
    return this.passkeys.authenticationOptions(domain, 'sign_in', { browserHash }, undefined, clientAddressKey(client.ip));
  }

  async signIn(domain: DomainConfig, form: PasskeyAssertionForm, browserHash: Buffer, sessionToken: string | undefined, client: ClientInfo, deviceToken: string | undefined): Promise<PasskeySignInResult> {
    this.requireOffered(domain);
    const requestId = form.request || undefined;
    // The parked request first (as the login form does): one that expired fails here.
    const ctx = requestId === undefined ? undefined : await this.checkid.resume(domain, requestId, client);
    const continues: Continues = { requestId, interaction: form.interaction, ctx };
    let claim: PasskeyClaim;
    try {
      claim = this.passkeys.read(form.response);
    } catch (error) {
      // Nothing a passkey made: nothing checked, nothing counted.
      if (error instanceof PasskeyRefused) return this.refused(domain, continues, client, 400, error.explanation, error);
      throw error;
    }
    // Which account the credential names (nothing verified yet): its attempts are counted on it.
    const ownerId = await this.passkeys.ownerOf(claim);
    const found = ownerId === undefined ? null : await this.users.findById(ownerId);
    const owner = found !== null && found.domain === domain.name ? found : undefined;
    // Counted before the signature is checked (OWASP ASVS 4.0 2.2.1), as passwords and codes are.
    const verdict = await this.throttle.reserve(this.throttle.passkeyKeys(domain.name, owner?.username, client.ip));
    if (!verdict.allowed) {
      await this.record(domain, owner, client, 'login_throttled');
      this.metrics.signIns.inc({ method: 'passkey', outcome: 'throttled' });
      this.metrics.loginThrottled.inc();
      return this.refused(domain, continues, client, 429, tooManyAttempts(verdict.wait), undefined, verdict.wait);
    }
    try {
      // A credential of no account of this domain is refused like a wrong signature, before its challenge is looked at.
      if (owner === undefined) throw new PasskeyRefused('unknown_credential');
      const proof = await this.passkeys.verifyAssertion(domain, 'sign_in', { browserHash }, claim, owner);
      if (owner.disabled) {
        await this.throttle.giveBack(verdict.reservation);
        return this.refused(domain, continues, client, 401, text('login.errors.account_disabled'));
      }
      await this.throttle.succeeded(verdict.reservation);
      const result = await this.login.signInWithPasskey(domain, owner, passkeyAmr(proof.userVerified, proof.passkey.backupEligible), {
        ctx,
        requestId,
        sessionToken,
        client,
        remember: form.remember === '1',
        deviceToken,
        interaction: form.interaction,
      });
      return { result };
    } catch (error) {
      if (!(error instanceof PasskeyRefused)) {
        if (isDatabaseUnavailable(error)) this.throttle.giveBackLater(verdict.reservation);
        else await this.throttle.giveBack(verdict.reservation);
        throw error;
      }
      await this.failed(domain, owner, error, client);
      const wait = this.throttle.failed(verdict.reservation);
      if (wait > 0) return this.refused(domain, continues, client, 429, tooManyAttempts(wait), undefined, wait);
      return this.refused(domain, continues, client, error.status === 400 ? 400 : 401, error.explanation, error);
    }
  }

  /** security.passkeys.sign_in off, or a domain without an RP ID: as if the routes did not exist (404, structured). */
  private requireOffered(domain: DomainConfig): void {
    if (!this.security.passkeys.sign_in || !this.passkeys.available(domain)) throw new PasskeySignInDisabled();
  }

  private async failed(domain: DomainConfig, owner: User | undefined, error: PasskeyRefused, client: ClientInfo): Promise<void> {
    this.metrics.signIns.inc({ method: 'passkey', outcome: 'failure' });
    this.metrics.loginFailures.inc({ reason: 'passkey_refused' });
    if (error.reason === 'counter_regression' && owner !== undefined) {
      await this.record(domain, owner, client, 'passkey_counter_regression');
      await this.bot?.notifySecurity(owner, passkeyCounterNotice(owner), client.languages);
      return;
    }
    await this.record(domain, owner, client, 'passkey_refused');
  }

  private record(domain: DomainConfig, owner: User | undefined, client: ClientInfo, kind: AuditKind): Promise<void> {
    return this.audit.record({ kind, domain: domain.name, userId: owner?.id ?? null, ...client });
  }

  private async refused(domain: DomainConfig, continues: Continues, client: ClientInfo, status: 400 | 401 | 429, message: Text, problem?: AppError, retryAfter?: number): Promise<PasskeySignInResult> {
    const result = await this.login.refused(domain, continues, client, '', status, message, retryAfter);
    return { result, ...(problem === undefined ? {} : { problem }) };
  }
}

function tooManyAttempts(seconds: number): Text {
  return text('login.errors.throttled', { wait: waitText(seconds) });
}
