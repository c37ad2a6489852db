import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InteractionResults } from 'oidc-provider';
import type { ActiveSession } from '../../auth/session/session.service.js';
import { SessionService } from '../../auth/session/session.service.js';
import type { DomainConfig } from '../../config/config.schema.js';
import { Clock } from '../../common/clock.js';
import { acrOf, acrStepUp, type StepUpMeans } from '../../auth/factors/assurance.js';
import { PasskeyService } from '../../auth/factors/passkey.service.js';
import { SecondFactorService } from '../../auth/factors/second-factor.service.js';
import { OidcProviders } from '../oidc-providers.js';
import { FIELD_CLAIMS, fieldsForScopes, rejectedClaims } from '../claims.js';
import { claimedIdentifierFor, OPENID2_SCOPE } from '../openid2-migration.js';
import { ProfileSource } from '../../sreg/profile-source.js';
import { TrustGrantsService } from '../../realm/trust-grants.service.js';
import { PROFILE_LABELS } from '../../users/profile.js';
import type { ProfileField } from '../contracts.js';
import type { OidcConsentView } from './consent-page.js';
import { SCOPE_LABELS } from './consent-page.js';
import type { OidcDecision } from './interaction.dto.js';
import { uiLocales } from '../oidc-pages.js';

// oidc-provider's login and consent prompts, answered by our pages (its example/routes shows the
// hand-off: interactionDetails in, interactionResult out). The person signs in on /login, with the
// same form, CSRF and session cookie as for OpenID 2.0, and decides on our consent page.

/** What an interaction step answers. */
export type InteractionStep =
  | { kind: 'redirect'; location: string }
  /** `languages`: the request's ui_locales (OpenID Connect Core 1.0 §3.1.2.1), for the page's language. */
  | { kind: 'consent'; view: Omit<OidcConsentView, 'csrf'>; languages?: string[] | undefined };

export interface RawExchange {
  req: IncomingMessage;
  res: ServerResponse;
}

@Injectable()
export class InteractionService {
  constructor(
    private readonly providers: OidcProviders,
    private readonly sessions: SessionService,
    private readonly clock: Clock,
    private readonly profiles: ProfileSource,
    private readonly trust: TrustGrantsService,
    private readonly factors: SecondFactorService,
    private readonly passkeys: PasskeyService,
  ) {}

  /** What the account could still prove for a step-up: a second factor, a passkey. */
  private async stepUpMeans(active: ActiveSession): Promise<StepUpMeans> {
    const factor = await this.factors.enrolled(active.user);
    return { factor, passkey: factor && (await this.passkeys.hasAny(active.user)) };
  }

  /** GET /oidc/interaction/:uid: finish the login prompt at once if our session does, else /login; or the consent page. */
  /** `passkeyDeclined`: back from the code page, which asked for a passkey and got a code: no passkey is asked again. */
  async show(domain: DomainConfig, uid: string, exchange: RawExchange, sessionToken: string | undefined, passkeyDeclined = false): Promise<InteractionStep> {
    const provider = await this.providers.forDomain(domain);
    const details = await provider.interactionDetails(exchange.req, exchange.res);
    if (details.uid !== uid) return { kind: 'redirect', location: loginFor(details.uid) };
    const active = await this.activeOn(domain, sessionToken);
    if (details.prompt.name === 'login') {
      if (active === undefined) return { kind: 'redirect', location: loginFor(uid) };
      if (this.needsFreshSignIn(active, details.params)) {
        // Remembered with the interaction (in the provider's storage, so on every instance): a
        // sign-in after this instant is the fresh one prompt=login asks for.
        if (details.params[FRESH_AFTER] === undefined) {
          details.params[FRESH_AFTER] = this.clock.now().getTime();
          await details.save(Math.max(1, (details.exp ?? 0) - Math.floor(this.clock.now().getTime() / 1000)));
        }
        return { kind: 'redirect', location: loginFor(uid) };
      }
      // acr_values that the session meets none of (provider-configuration.ts op_acr_not_met): the
      // second factor (or a passkey) now, on the code page, then back here. What the account
      // cannot reach is answered as it is (the acr it has): nothing to ask, no loop.
      const requested = acrValues(details.params);
      const means = await this.stepUpMeans(active);
      const stepUp = requested.length === 0 ? undefined : acrStepUp(requested, active.session.amr, passkeyDeclined ? { ...means, passkey: false } : means);
      if (stepUp !== undefined) return { kind: 'redirect', location: `/login/code?interaction=${encodeURIComponent(uid)}${stepUp === 'passkey' ? '&want=passkey' : ''}` };
      return this.finish(domain, exchange, { login: loginResult(active, requested) });
    }
    // consent (the only other prompt of the base policy). The person deciding must be the one
    // the provider's session names (the login prompt made them the same; a sign-out or another
    // sign-in since then must not consent on someone else's behalf).
    if (active === undefined || active.user.id !== details.session?.accountId) return { kind: 'redirect', location: loginFor(uid) };
    const client = await provider.Client.find(String(details.params['client_id']));
    // error_description goes to the client (RFC 6749 §4.1.2.1), a machine: English, not the catalogue.
    if (client === undefined) return this.finish(domain, exchange, { error: 'invalid_client', error_description: 'unknown client' });
    const missing = consentScopes(details);
    // Asked again under a grant (prompt=consent): the boxes start as that grant left them.
    const existing = missing.forced && details.grantId !== undefined ? await provider.Grant.find(details.grantId) : undefined;
    const refused = new Set(existing?.getRejectedOIDCClaims() ?? []);
    const profile = await this.profiles.load(active.user);
    const attributes = fieldsForScopes(missing.scopes).map((field) => {
      const value = profile[field];
      const chosen = existing === undefined ? active.user.releaseDefaults.includes(field) : !refused.has(FIELD_CLAIMS[field].claim);
      return { field, label: PROFILE_LABELS[field], value, checked: value !== undefined && chosen };
    });
    return {
      kind: 'consent',
      languages: uiLocales(details.params['ui_locales']),
      view: {
        uid,
        clientId: client.clientId,
        clientName: client.clientName,
        redirectOrigin: new URL(String(details.params['redirect_uri'])).origin,
        account: `${active.user.username}@${active.user.domain}`,
        scopes: missing.scopes.filter((s) => SCOPE_LABELS[s] !== undefined).map((scope) => ({ scope, label: SCOPE_LABELS[scope]! })),
        attributes,
        // The scope is only ever here once openid2_realm was verified (provider-configuration.ts).
        openid2: missing.scopes.includes(OPENID2_SCOPE) ? { identifier: claimedIdentifierFor(domain, active.user.username) } : undefined,
      },
    };
  }

  /** POST /oidc/interaction/:uid: the consent page's decision (CSRF checked by the controller's guard). */
  async decide(
    domain: DomainConfig,
    uid: string,
    exchange: RawExchange,
    sessionToken: string | undefined,
    decision: OidcDecision,
    release: readonly ProfileField[],
    withholdOpenid2 = false,
  ): Promise<InteractionStep> {
    const provider = await this.providers.forDomain(domain);
    const details = await provider.interactionDetails(exchange.req, exchange.res);
    if (details.uid !== uid || details.prompt.name !== 'consent') return { kind: 'redirect', location: `/oidc/interaction/${details.uid}` };
    const active = await this.activeOn(domain, sessionToken);
    const accountId = details.session?.accountId;
    if (active === undefined || accountId === undefined || active.user.id !== accountId) return { kind: 'redirect', location: loginFor(uid) };
    if (decision === 'deny') {
      // RFC 6749 §4.1.2.1: the person refused; the client learns it at its redirect_uri (the
      // description is for the client's developers: English, not the catalogue).
      return this.finish(domain, exchange, { error: 'access_denied', error_description: 'The person denied the request.' });
    }
    const clientId = String(details.params['client_id']);
    const asked = consentScopes(details);
    const existing = details.grantId === undefined ? undefined : await provider.Grant.find(details.grantId);
    let grant = existing !== undefined && !asked.forced ? existing : new provider.Grant({ accountId, clientId });
    if (existing !== undefined && !asked.forced && decision === 'allow_once') {
      // The existing grant is an "always allow": "once" for more scopes must not widen it, so
      // this request gets a copy of it with the new scopes added.
      grant = new provider.Grant({ accountId, clientId });
      const scope = existing.getOIDCScope();
      if (scope) grant.addOIDCScope(scope);
      const claims = existing.getOIDCClaims();
      if (claims.length > 0) grant.addOIDCClaims(claims);
      const rejected = existing.getRejectedOIDCClaims();
      if (rejected.length > 0) grant.rejectOIDCClaims(rejected);
      const rejectedScope = existing.getRejectedOIDCScope();
      if (rejectedScope) grant.rejectOIDCScope(rejectedScope);
    }
    const { missingOIDCClaims, missingResourceScopes } = details.prompt.details as { missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    // Asked again (prompt=consent): a grant made afresh from this decision, for every requested
    // scope, so that what the person unticks now is what they refuse now.
    const missingOIDCScope = asked.scopes.length > 0 ? asked.scopes : undefined;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    // Migration §9.1: withheld, the scope is recorded as refused (oidc-provider then counts it as
    // decided: no consent prompt for it again under an "always allow") and never granted, so no
    // token of this grant carries openid2_id (accounts.ts releases it only with the scope).
    if (withholdOpenid2 && missingOIDCScope?.includes(OPENID2_SCOPE)) grant.rejectOIDCScope(OPENID2_SCOPE);
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    // The fields of those scopes the person left unticked are never released (claims.ts).
    if (missingOIDCScope) {
      const rejected = rejectedClaims(fieldsForScopes(missingOIDCScope), new Set(release));
      if (rejected.length > 0) grant.rejectOIDCClaims(rejected);
    }
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    if (decision === 'allow_always') {
      // Beside the OpenID 2.0 realms: on the identity page and in the bot's `sites`, revocable
      // from both (revoking ends this Grant and its tokens: OidcProviders).
      const fields = fieldsForScopes(missingOIDCScope ?? []);
      await this.trust.grantOidc(accountId, clientId, grantId, fields.filter((f) => release.includes(f)), fields);
      // The "always allow" this one replaces ends with its tokens: the identity page's revoke
      // must reach everything the client holds, and it only knows the current grant.
      if (existing !== undefined && existing.jti !== grantId) await this.providers.endGrant(existing.jti);
    }
    return this.finish(domain, exchange, { consent: { grantId } });
  }

  private async finish(domain: DomainConfig, exchange: RawExchange, result: InteractionResults): Promise<InteractionStep> {
    const provider = await this.providers.forDomain(domain);
    // mergeWithLastSubmission: false: a consent step must not carry an older login along.
    const location = await provider.interactionResult(exchange.req, exchange.res, result, { mergeWithLastSubmission: false });
    return { kind: 'redirect', location };
  }

  private async activeOn(domain: DomainConfig, token: string | undefined): Promise<ActiveSession | undefined> {
    const active = await this.sessions.resolve(token);
    return active !== undefined && active.user.domain === domain.name && !active.user.disabled ? active : undefined;
  }

  /**
   * OpenID Connect Core 1.0 §3.1.2.1: prompt=login asks for a fresh sign-in (one made during this
   * request: after we sent the person to the login page for it), max_age for one no older than
   * max_age seconds (counted in milliseconds: oidc-provider's own check counts whole seconds).
   */
  private needsFreshSignIn(active: ActiveSession, params: Record<string, unknown>): boolean {
    const authTime = active.session.authTime.getTime();
    const prompts = String(params['prompt'] ?? '').split(' ');
    if (prompts.includes('login')) {
      const after = params[FRESH_AFTER];
      if (typeof after !== 'number' || authTime <= after) return true;
    }
    const maxAge = params['max_age'] === undefined ? undefined : Number(params['max_age']);
    return maxAge !== undefined && Number.isFinite(maxAge) && this.clock.now().getTime() - authTime > maxAge * 1000;
  }
}

/**
 * The scopes a consent page asks about: those not granted yet (oidc-provider's missingOIDCScope),
 * or, when nothing is missing and the consent prompt came all the same (prompt=consent, OpenID
 * Connect Core 1.0 §3.1.2.1: "SHOULD prompt the End-User for consent before returning information
 * to the Client"), every scope requested (`forced`).
 */
function consentScopes(details: { prompt: { details: Record<string, unknown> }; params: Record<string, unknown> }): { scopes: string[]; forced: boolean } {
  const missing = (details.prompt.details['missingOIDCScope'] as string[] | undefined) ?? [];
  if (missing.length > 0) return { scopes: missing, forced: false };
  const requested = typeof details.params['scope'] === 'string' ? details.params['scope'].split(' ').filter(Boolean) : [];
  return { scopes: [...new Set(requested)], forced: true };
}

/** Our mark on a prompt=login interaction: when we asked for the fresh sign-in (ms). */
const FRESH_AFTER = 'op_fresh_sign_in_after';

/** OpenID Connect Core 1.0 §3.1.2.1 acr_values: space-separated, in order of preference. */
function acrValues(params: Record<string, unknown>): string[] {
  return typeof params['acr_values'] === 'string' ? params['acr_values'].split(' ').filter(Boolean) : [];
}

function loginFor(uid: string): string {
  return `/login?interaction=${encodeURIComponent(uid)}`;
}

/**
 * The login prompt's result from our session: who, when (auth_time, Core §2: the real sign-in
 * time), how. OpenID Connect Core 1.0 §2 amr, RFC 8176 §2 values, as the session recorded them
 * (sessions.amr; src/auth/factors/assurance.ts): the password form is `pwd`; the approval from the
 * chat app (XEP-0070) proves that the person holds a signed-in XMPP client of the account, for
 * which RFC 8176 registers nothing, so it says so in its own value `xmpp`; a second factor adds
 * `otp` (an authenticator app) or `hwk` (a passkey) and `mfa`; a passkey alone is `hwk` and `mfa`.
 * acr: the PAPE policy URI met, the first of the client's acr_values it meets (acrOf).
 */
function loginResult(active: ActiveSession, requestedAcr: readonly string[]): NonNullable<InteractionResults['login']> {
  return {
    accountId: active.user.id,
    ts: Math.floor(active.session.authTime.getTime() / 1000),
    amr: [...active.session.amr],
    acr: acrOf(active.session.amr, requestedAcr),
    // The provider's session cookie lives as long as ours: persistent only for "remember me".
    remember: active.session.remember,
  };
}
