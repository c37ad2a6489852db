import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AssertionSigner } from '../../association/assertion-signer.js';
import { Clock } from '../../common/clock.js';
import { Metrics } from '../../http/metrics.js';
import { Random } from '../../common/random.js';
import { realmConfig } from '../../config/namespaces.js';
import type { DomainConfig } from '../../config/config.schema.js';
import { Field, Mode } from '../../protocol/consts.js';
import { answeredAs, answering, type ErrorAnswer, InvalidReturnTo, OpenIdError } from '../../protocol/errors.js';
import type { KeyValuePairs } from '../../protocol/kv-form.js';
import { parseOpenIdMessage } from '../../protocol/message.js';
import { requestVersion } from '../../protocol/request-kind.js';
import { RealmPolicy } from '../../realm/realm-policy.service.js';
import { ReturnToVerifier } from '../../realm/return-to-verifier.js';
import { privateIdentifierAllowed, PrivateIdentifiersService } from '../../realm/private-identifiers.service.js';
import type { IdentifierChoice, TrustGrant } from '../../realm/trust-grant.entity.js';
import { TrustGrantsService } from '../../realm/trust-grants.service.js';
import { privateIdentifierUrl } from '../../discovery/urls.js';
import type { ProfileField, User } from '../../users/user.entity.js';
import { maxAuthAgeExceeded } from '../../sreg/attribute-request.js';
import type { ReleasedValues } from '../../sreg/attribute-response.js';
import { AttributeService, type ConsentRow } from '../../sreg/attribute.service.js';
import { ProfileSource } from '../../sreg/profile-source.js';
import { NO_UI_REQUEST, type UiRequest } from '../../sreg/ui-request.js';
import type { AuditKind } from '../../audit/audit.entity.js';
import { AuditService } from '../../audit/audit.service.js';
import { OpenIdBot } from '../../xmpp/bot/openid-bot.service.js';
import { PendingRequestExpired, PendingRequestService } from './pending-request.service.js';
import type { ActiveSession } from '../session/session.service.js';
import { cancelFields, deliver, positiveAssertionFields, setupNeededFields } from './build-response.js';
import { checkIdentity } from './check-identity.js';
import { papePolicies, papeStepUp, type StepUp } from '../factors/assurance.js';
import { PasskeyService } from '../factors/passkey.service.js';
import { SecondFactorService } from '../factors/second-factor.service.js';
import { checkReturnTo } from './check-return-to.js';
import type { CheckidContext, ClientInfo, ReturnToCheck } from './checkid-context.js';
import { forLayout, type Outcome } from './outcome.js';

export type Decision = 'allow_once' | 'allow_always' | 'deny';

/**
 * Whether §9.2.1 relying-party discovery vouches for the return_to: verified, or not run at all
 * (`skipped`: no return_to, or the operator turned verification off).
 */
function returnToVouchedFor(check: ReturnToCheck): boolean {
  return check.status === 'verified' || check.status === 'skipped';
}

/**
 * Whether an "always allow" answers this request by itself, as far as identifiers go. A grant
 * given with the private identifier never confirms the person's own identifier: an RP that knows
 * them only by the private one could otherwise ask checkid_immediate "is this alice?" and learn
 * the link the private identifier exists to withhold. Likewise a grant given with the person's own
 * identifier does not answer for the private one. identifier_select (the grant's choice answers)
 * and extension-only requests are covered by either.
 */
function grantCoversIdentity(ctx: CheckidContext, grant: TrustGrant): boolean {
  if (ctx.identity?.kind === 'user') return grant.identifier === 'public';
  if (ctx.identity?.kind === 'private') return grant.identifier === 'private';
  return true;
}

/** Whether the consent page offers a private identifier: identifier_select (DESIGN.md), a realm that fits (MAX_PRIVATE_REALM). */
export function offersPrivateIdentifier(ctx: CheckidContext): boolean {
  return ctx.identity?.kind === 'select' && privateIdentifierAllowed(ctx.realm!);
}

/** Our fields the RP asked for, over SReg and AX. */
function requestedFields(ctx: CheckidContext): ProfileField[] {
  return (ctx.attributes?.fields ?? []).map((f) => f.field);
}

/**
 * The checkid_setup / checkid_immediate flow (OpenID 2.0 §9, §10), as steps a reviewer can read
 * in one place:
 *
 *   validate   checkReturnTo → checkRealmPolicy → checkIdentity → parse SReg/AX/PAPE
 *              → verifyReturnTo (§9.2.1)
 *   decide     no session / wrong account / login older than max_auth_age
 *                                          → login (setup) or setup_needed (immediate)
 *              multi-factor asked (PAPE), one factor used, a second one enrolled; or
 *              phishing-resistant asked, no passkey used, one enrolled
 *                                          → the code page (setup) or setup_needed (immediate)
 *              no trust grant covering the fields asked, or a return_to that §9.2.1 discovery
 *              does not vouch for          → consent (setup) or setup_needed (immediate)
 *              trusted                    → positive assertion
 *   answer     released attributes + PAPE, sign everything (shared or private association),
 *              deliver to return_to (redirect, or form POST when too long)
 */
@Injectable()
export class CheckidService {
  constructor(
    private readonly realmPolicy: RealmPolicy,
    private readonly returnToVerifier: ReturnToVerifier,
    private readonly trust: TrustGrantsService,
    private readonly privateIdentifiers: PrivateIdentifiersService,
    private readonly pending: PendingRequestService,
    private readonly signer: AssertionSigner,
    @Inject(realmConfig.KEY) private readonly realm: ConfigType<typeof realmConfig>,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly auditLog: AuditService,
    private readonly attributes: AttributeService,
    private readonly profiles: ProfileSource,
    @Inject(Metrics) private readonly metrics: Metrics,
    private readonly factors: SecondFactorService,
    private readonly passkeys: PasskeyService,
    @Optional() private readonly bot?: OpenIdBot,
  ) {}

  /**
   * Validates a request (from the endpoint, or re-read from a pending one). Its errors carry how
   * they are answered: on a page until the return_to has been checked against the realm, then
   * as openid.mode=error to that return_to (§5.2.3); the context keeps that for later steps.
   */
  async validate(domain: DomainConfig, pairs: [string, string][], client: ClientInfo, parkedId?: string): Promise<CheckidContext> {
    let answer: ErrorAnswer = { direct: false, version: requestVersion(pairs) };
    try {
      const message = parseOpenIdMessage(pairs);
      const parkedKey = parkedId === undefined ? undefined : `${domain.name}\n${parkedId}`;
      // OpenID UI Extension 1.0 §4-§6: hints about our pages, read first (they never fail the
      // request) so that even an error page of a popup request is laid out for the popup.
      const ui = this.attributes.parseUi(message, parkedKey);
      const shown = ui.popup ? { popup: true } : {};
      answer = { direct: false, version: message.version, ...shown };
      const ctx: CheckidContext = { domain, message, pairs, client, immediate: message.mode === Mode.checkidImmediate, answer, ui };
      checkReturnTo(ctx);
      // Realm policy (config: allowed/denied patterns, http and IP realms, over-broad wildcards).
      this.realmPolicy.check(ctx.realm!.value);
      // OpenID 2.0 §5.2.3: the return_to now lies in an acceptable realm (§9.2), so errors from
      // here on may travel to it as openid.mode=error.
      if (ctx.returnTo) answer = ctx.answer = { ...answer, verifiedReturnTo: ctx.returnTo.value };
      checkIdentity(ctx);
      // A private identifier names its account only through our table: whose it is, and at which realm.
      if (ctx.identity?.kind === 'private') ctx.privateIdentifier = (await this.privateIdentifiers.find(domain.name, ctx.identity.opaque)) ?? null;
      // SReg 1.1 §3, AX 1.0 §5.1, PAPE 1.0 §5.1: what the RP asks about the user and the login.
      // A parked request (its pairs never change) is parsed once, not again at each page.
      ctx.attributes = this.attributes.parse(message, parkedKey);
      // §9.2.1 relying-party discovery costs a fetch (or a cache lookup) on the RP's realm: run
      // here for every request only where its answer decides (require); in warn mode it runs for
      // the consent page and before a trust grant answers by itself (next), never for the login
      // page or a request that ends in setup_needed or a login anyway.
      if (this.realm.return_to_verification !== 'require') return ctx;
      const check = await this.returnToCheck(ctx);
      if (check.status !== 'verified' && check.status !== 'skipped') {
        // §9.2.1: the RP's published return_to endpoints do not vouch for this return_to.
        answer = { direct: false, version: message.version, ...shown };
        throw new InvalidReturnTo('The site did not confirm this return address (relying party discovery failed)', {
          detail: `return_to verification ${check.status}: ${'reason' in check ? check.reason : ''}`,
        });
      }
      return ctx;
    } catch (error) {
      throw answeredAs(error, answer);
    }
  }

  /** The §9.2.1 verdict on the request's return_to (discovered once per request, cached per realm). */
  async returnToCheck(ctx: CheckidContext): Promise<ReturnToCheck> {
    ctx.returnToCheck ??= ctx.returnTo ? await this.returnToVerifier.verify(ctx.realm!, ctx.returnTo, ctx.client.ip) : { status: 'skipped' };
    return ctx.returnToCheck;
  }

  /** Re-reads and re-validates a parked request (login, consent and /continue pages). */
  async resume(domain: DomainConfig, requestId: unknown, client: ClientInfo): Promise<CheckidContext> {
    const parked = await this.pending.load(requestId, domain.name);
    return this.validate(domain, parked.message, client, parked.id);
  }

  /**
   * OpenID UI Extension 1.0: what a parked request asks of the pages of a step that does not
   * re-validate it (the chat-app approval's waiting page): the popup layout (§5) and the
   * languages (§4.2 ui.lang). One primary-key read of the parked request; its UI part is parsed
   * once. Nothing asked (NO_UI_REQUEST) for an unknown or expired one.
   */
  async parkedUi(domain: DomainConfig, requestId: string | null | undefined): Promise<UiRequest> {
    if (requestId === null || requestId === undefined) return NO_UI_REQUEST;
    try {
      const parked = await this.pending.load(requestId, domain.name);
      return this.attributes.parseUi(parseOpenIdMessage(parked.message), `${domain.name}\n${parked.id}`);
    } catch (error) {
      if (error instanceof PendingRequestExpired || error instanceof OpenIdError) return NO_UI_REQUEST;
      throw error;
    }
  }

  /** What happens next for a validated request, given who (if anyone) is logged in. */
  decide(ctx: CheckidContext, active: ActiveSession | undefined, pendingId?: string, options: { passkeyDeclined?: boolean } = {}): Promise<Outcome> {
    return answering(ctx.answer, async () => forLayout(ctx.ui, await this.next(ctx, active, pendingId, options.passkeyDeclined === true)));
  }

  private async next(ctx: CheckidContext, active: ActiveSession | undefined, pendingId: string | undefined, passkeyDeclined = false): Promise<Outcome> {
    // PAPE 1.0 §5.1 max_auth_age: a login older than the RP accepts counts as no login.
    const fresh = active && !maxAuthAgeExceeded(ctx.attributes!, active.session.authTime, this.clock.now());
    const user = active && fresh && this.accountMatches(ctx, active.user) ? active.user : undefined;
    if (!user || !active) {
      if (ctx.immediate) return this.answer(ctx, setupNeededFields(ctx, ctx.domain), false, pendingId);
      return { kind: 'redirect', location: `/login?request=${await this.park(ctx, pendingId)}` };
    }
    // PAPE 1.0 §5.1 preferred_auth_policies: multi-factor asked of a session whose sign-in used
    // one factor, or phishing-resistant of one that used no passkey, is a step-up: the second
    // factor (or the passkey) now, on the code page, then back here; or setup_needed (§10.2) for
    // checkid_immediate. What the account cannot prove (no second factor, no passkey) is not
    // asked: the assertion's auth_policies says what was met (none, or multi-factor without
    // phishing-resistant) and the RP decides (PAPE 1.0 §5.2), no loop.
    const stepUp = await this.stepUpFor(ctx.attributes?.pape?.preferredPolicies ?? [], active, passkeyDeclined);
    if (stepUp !== undefined) {
      if (ctx.immediate) return this.answer(ctx, setupNeededFields(ctx, ctx.domain), false, pendingId);
      return { kind: 'redirect', location: `/login/code?request=${await this.park(ctx, pendingId)}${stepUp === 'passkey' ? '&want=passkey' : ''}` };
    }
    const grant = await this.trust.find(user.id, ctx.realm!.value);
    // A grant covers the fields the RP asked for when it was made; asking for more asks again.
    const asked = requestedFields(ctx);
    if (!grant || !asked.every((f) => grant.askedFields.includes(f)) || !grantCoversIdentity(ctx, grant)) {
      if (ctx.immediate) return this.answer(ctx, setupNeededFields(ctx, ctx.domain), false, pendingId);
      return { kind: 'redirect', location: `/consent?request=${await this.park(ctx, pendingId)}` };
    }
    // OpenID 2.0 §9.2.1, §13: a grant trusts the relying party, and only the RP's discovery says
    // which return_to addresses are its own. A return_to it does not vouch for (discovery failed,
    // or does not list it) is never answered without the person: the consent page shows the
    // warning and lets them decide; checkid_immediate answers setup_needed (§10.2).
    if (!returnToVouchedFor(await this.returnToCheck(ctx))) {
      if (ctx.immediate) return this.answer(ctx, setupNeededFields(ctx, ctx.domain), false, pendingId);
      return { kind: 'redirect', location: `/consent?request=${await this.park(ctx, pendingId)}` };
    }
    await this.trust.markUsed(grant);
    await this.audit(ctx, user, 'assertion_approved_automatically');
    return this.assert(ctx, active, grant.fields, pendingId, grant.identifier);
  }

  /** The step-up PAPE preferred_auth_policies asks of this session, if the account can give it (src/auth/factors/assurance.ts). */
  /** `passkeyDeclined`: the code page asked for a passkey and got a code; no passkey is asked again. */
  private async stepUpFor(preferred: readonly string[], active: ActiveSession, passkeyDeclined: boolean): Promise<StepUp | undefined> {
    if (preferred.length === 0 || papeStepUp(preferred, active.session.amr, { factor: true, passkey: true }) === undefined) return undefined;
    const factor = await this.factors.enrolled(active.user);
    return papeStepUp(preferred, active.session.amr, { factor, passkey: factor && !passkeyDeclined && (await this.passkeys.hasAny(active.user)) });
  }

  /**
   * The user's answer on the consent page, with the fields they ticked. Only fields the RP asked
   * for are released, whatever the form says; a required field the user unticked is simply not
   * sent (SReg 1.1 §3: the RP decides what to do without it). `identifier`: the identifier the
   * person chose for an identifier_select request (the page's `identifier` control; public by
   * default, so clients that post only `decision` keep working); other requests ignore it.
   */
  decideConsent(ctx: CheckidContext, active: ActiveSession, decision: Decision, pendingId: string, ticked: readonly string[], identifier: IdentifierChoice = 'public'): Promise<Outcome> {
    return answering(ctx.answer, async () => forLayout(ctx.ui, await this.consented(ctx, active, decision, pendingId, ticked, identifier)));
  }

  private async consented(ctx: CheckidContext, active: ActiveSession, decision: Decision, pendingId: string, ticked: readonly string[], identifier: IdentifierChoice): Promise<Outcome> {
    const user = active.user;
    if (decision === 'deny') {
      const outcome = await this.answer(ctx, cancelFields(ctx), false, pendingId);
      await this.audit(ctx, user, 'assertion_denied');
      return outcome;
    }
    const asked = requestedFields(ctx);
    const released = asked.filter((f) => ticked.includes(f));
    const choice: IdentifierChoice = ctx.identity?.kind === 'private' || (identifier === 'private' && offersPrivateIdentifier(ctx)) ? 'private' : 'public';
    const outcome = await this.assert(ctx, active, released, pendingId, choice);
    if (decision === 'allow_always') {
      await this.trust.grant(user.id, ctx.realm!.value, released, asked, choice);
      await this.audit(ctx, user, 'trust_granted');
    }
    await this.audit(ctx, user, 'assertion_approved');
    await this.noticeIfNewSite(ctx, user, ctx.realm!.value);
    return outcome;
  }

  /**
   * The OpenID bot's new-site notice (issue 9 point 3): the first positive assertion to a realm
   * (the history holds only the one just written). Automatic approvals need a grant, which an
   * earlier consent made, so they are never a first time.
   */
  private async noticeIfNewSite(ctx: CheckidContext, user: User, realm: string): Promise<void> {
    if (this.bot === undefined || !this.bot.configured(user.domain) || !user.xmppNotices) return;
    if ((await this.auditLog.assertionsTo(user.id, realm)) > 1) return;
    // In the language of the page that led here (OpenID UI Extension 1.0 §4.2 ui.lang among its hints).
    await this.bot.notifyNewSite(user, realm, { ...ctx.client.languages, hints: ctx.ui?.languages });
  }

  private audit(ctx: CheckidContext, user: User, kind: AuditKind): Promise<void> {
    return this.auditLog.record({ kind, domain: ctx.domain.name, userId: user.id, realm: ctx.realm?.value, ip: ctx.client.ip, userAgent: ctx.client.userAgent });
  }

  /**
   * Whether the logged-in account is the one the RP asked about (identifier_select: any). A
   * private identifier is the account's only at its own realm: presented at another realm (or
   * unknown), it is answered as another account's identifier would be, never with the account's
   * own one.
   */
  accountMatches(ctx: CheckidContext, user: User): boolean {
    if (user.domain !== ctx.domain.name) return false;
    if (ctx.identity?.kind === 'private') return ctx.privateIdentifier?.userId === user.id && ctx.privateIdentifier.realm === ctx.realm!.normalized;
    return ctx.identity?.kind !== 'user' || ctx.identity.username === user.username;
  }

  /** The consent page's rows: requested fields with the values that would be sent. */
  async consentRows(ctx: CheckidContext, user: User): Promise<ConsentRow[]> {
    return this.attributes.describe(ctx.attributes!, await this.profiles.load(user));
  }

  private async assert(ctx: CheckidContext, active: ActiveSession, releasedFields: readonly string[], pendingId: string | undefined, identifier: IdentifierChoice = 'public'): Promise<Outcome> {
    await this.consume(pendingId);
    const user = active.user;
    // identifier_select answered with the private identifier: issued at its first use, the same
    // one ever after. A request for the private identifier itself stamps its use.
    let chosen: string | undefined;
    if (identifier === 'private' && offersPrivateIdentifier(ctx)) chosen = privateIdentifierUrl(ctx.domain, await this.privateIdentifiers.issue(user, ctx.realm!));
    else if (ctx.identity?.kind === 'private') await this.privateIdentifiers.issue(user, ctx.realm!);
    const profile = await this.profiles.load(user);
    const released: ReleasedValues = {};
    for (const field of requestedFields(ctx)) {
      const value = profile[field];
      if (releasedFields.includes(field) && value !== undefined) released[field] = value;
    }
    // AX namePerson/first and /last go with the full name they are parts of (src/sreg/attributes.ts).
    if (released.fullname !== undefined && profile.nameParts) released.nameParts = profile.nameParts;
    // PAPE 1.0 §5.2: auth_time is when this session's user last typed their password;
    // auth_policies says what this session's sign-in really met: multi-factor after a second
    // factor (a remembered device is none), none otherwise (src/auth/factors/assurance.ts).
    const extensions = this.attributes.respond(ctx.attributes!, released, { authTime: active.session.authTime, policies: papePolicies(active.session.amr) });
    const fields = positiveAssertionFields(ctx, user, this.clock.now(), this.random.bytes, extensions, chosen);
    const signed = await this.signer.sign(ctx.message.version, fields, ctx.message.getArg(Field.assocHandle));
    this.metrics.assertions.inc({ result: 'positive', mode: ctx.immediate ? 'checkid_immediate' : 'checkid_setup' });
    return deliver(ctx, signed, true);
  }

  private async answer(ctx: CheckidContext, fields: KeyValuePairs, approved: boolean, pendingId: string | undefined): Promise<Outcome> {
    await this.consume(pendingId);
    this.metrics.assertions.inc({ result: approved ? 'positive' : 'negative', mode: ctx.immediate ? 'checkid_immediate' : 'checkid_setup' });
    return deliver(ctx, fields, approved);
  }

  /**
   * A parked request is answered once: the first final answer deletes it, and a second one (a
   * double-submitted form, a replayed POST) finds it gone.
   */
  private async consume(pendingId: string | undefined): Promise<void> {
    if (pendingId !== undefined && !(await this.pending.remove(pendingId))) throw new PendingRequestExpired();
  }

  private async park(ctx: CheckidContext, pendingId: string | undefined): Promise<string> {
    return pendingId ?? this.pending.save(ctx.domain.name, ctx.pairs, ctx.client);
  }
}
