import { Injectable } from '@nestjs/common';
import { AssertionSigner } from '../../association/assertion-signer.js';
import { Clock } from '../../common/clock.js';
import { Random } from '../../common/random.js';
import { AppConfigService } from '../../config/app-config.service.js';
import type { DomainConfig } from '../../config/config.schema.js';
import type { OpenIdRequestContext } from '../../http/request-context.js';
import { Field, Mode } from '../../protocol/consts.js';
import { InvalidReturnTo } from '../../protocol/errors.js';
import type { KeyValuePairs } from '../../protocol/kv-form.js';
import { parseOpenIdMessage } from '../../protocol/message.js';
import { RealmPolicy } from '../../realm/realm-policy.service.js';
import { ReturnToVerifier } from '../../realm/return-to-verifier.js';
import { TrustGrantsService } from '../../realm/trust-grants.service.js';
import type { User } from '../../users/user.entity.js';
import type { AuditKind } from '../audit.entity.js';
import { AuditService } from '../audit.service.js';
import { PendingRequestExpired, PendingRequestService } from '../pending-request.service.js';
import type { ActiveSession } from '../session.service.js';
import { cancelFields, deliver, positiveAssertionFields, setupNeededFields } from './build-response.js';
import { checkIdentity } from './check-identity.js';
import { checkReturnTo } from './check-return-to.js';
import type { CheckidContext, ClientInfo } from './checkid-context.js';
import type { Outcome } from './outcome.js';

export type Decision = 'allow_once' | 'allow_always' | 'deny';

/**
 * The checkid_setup / checkid_immediate flow (OpenID 2.0 §9, §10), as steps a reviewer can read
 * in one place:
 *
 *   validate   checkReturnTo → checkRealmPolicy → checkIdentity → verifyReturnTo (§9.2.1)
 *   decide     no session / wrong account → login (setup) or setup_needed (immediate)
 *              no trust grant             → consent (setup) or setup_needed (immediate)
 *              trusted                    → positive assertion
 *   answer     sign (shared or private association) and deliver to return_to
 */
@Injectable()
export class CheckidService {
  constructor(
    private readonly realmPolicy: RealmPolicy,
    private readonly returnToVerifier: ReturnToVerifier,
    private readonly trust: TrustGrantsService,
    private readonly pending: PendingRequestService,
    private readonly signer: AssertionSigner,
    private readonly config: AppConfigService,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly auditLog: AuditService,
  ) {}

  /**
   * Validates a request (from the endpoint, or re-read from a pending one). `openid` is the
   * request context the error responder reads: once the return_to has been checked against the
   * realm, later errors may travel to it as openid.mode=error (§5.2.3).
   */
  async validate(domain: DomainConfig, pairs: [string, string][], openid: OpenIdRequestContext, client: ClientInfo): Promise<CheckidContext> {
    const message = parseOpenIdMessage(pairs);
    openid.version = message.version;
    const ctx: CheckidContext = { domain, message, pairs, client, immediate: message.mode === Mode.checkidImmediate };
    checkReturnTo(ctx);
    // Realm policy (config: allowed/denied patterns, http and IP realms, over-broad wildcards).
    this.realmPolicy.check(ctx.realm!.value);
    if (ctx.returnTo) openid.verifiedReturnTo = ctx.returnTo.value;
    checkIdentity(ctx);
    const check = ctx.returnTo ? await this.returnToVerifier.verify(ctx.realm!, ctx.returnTo) : { status: 'skipped' as const };
    ctx.returnToCheck = check;
    if (this.config.get('realm').return_to_verification === 'require' && check.status !== 'verified' && check.status !== 'skipped') {
      // §9.2.1: the RP's published return_to endpoints do not vouch for this return_to.
      openid.verifiedReturnTo = undefined;
      throw new InvalidReturnTo('The site did not confirm this return address (relying party discovery failed)', {
        detail: `return_to verification ${check.status}: ${'reason' in check ? check.reason : ''}`,
      });
    }
    return ctx;
  }

  /** What happens next for a validated request, given who (if anyone) is logged in. */
  async decide(ctx: CheckidContext, active: ActiveSession | undefined, pendingId?: string): Promise<Outcome> {
    const user = active && this.accountMatches(ctx, active.user) ? active.user : undefined;
    if (!user) {
      if (ctx.immediate) return this.answer(ctx, setupNeededFields(ctx, ctx.domain), false, pendingId);
      return { kind: 'redirect', location: `/login?request=${await this.park(ctx, pendingId)}` };
    }
    ctx.user = user;
    const grant = await this.trust.find(user.id, ctx.realm!.value);
    if (!grant) {
      if (ctx.immediate) return this.answer(ctx, setupNeededFields(ctx, ctx.domain), false, pendingId);
      return { kind: 'redirect', location: `/consent?request=${await this.park(ctx, pendingId)}` };
    }
    await this.trust.markUsed(grant);
    await this.audit(ctx, user, 'assertion_approved_automatically');
    return this.assert(ctx, user, pendingId);
  }

  /** The user's answer on the consent page. */
  async decideConsent(ctx: CheckidContext, user: User, decision: Decision, pendingId: string): Promise<Outcome> {
    if (decision === 'deny') {
      const outcome = await this.answer(ctx, cancelFields(ctx), false, pendingId);
      await this.audit(ctx, user, 'assertion_denied');
      return outcome;
    }
    ctx.user = user;
    const outcome = await this.assert(ctx, user, pendingId);
    if (decision === 'allow_always') await this.trust.grant(user.id, ctx.realm!.value);
    await this.audit(ctx, user, 'assertion_approved');
    return outcome;
  }

  private audit(ctx: CheckidContext, user: User, kind: AuditKind): Promise<void> {
    return this.auditLog.record({ kind, domain: ctx.domain.name, userId: user.id, realm: ctx.realm?.value, ip: ctx.client.ip, userAgent: ctx.client.userAgent });
  }

  /** Whether the logged-in account is the one the RP asked about (identifier_select: any). */
  accountMatches(ctx: CheckidContext, user: User): boolean {
    if (user.domain !== ctx.domain.name) return false;
    return ctx.identity?.kind !== 'user' || ctx.identity.username === user.username;
  }

  private async assert(ctx: CheckidContext, user: User, pendingId: string | undefined): Promise<Outcome> {
    await this.consume(pendingId);
    const fields = positiveAssertionFields(ctx, user, this.clock.now(), this.random.bytes);
    const signed = await this.signer.sign(ctx.message.version, fields, ctx.message.getArg(Field.assocHandle));
    return deliver(ctx, signed, true);
  }

  private async answer(ctx: CheckidContext, fields: KeyValuePairs, approved: boolean, pendingId: string | undefined): Promise<Outcome> {
    await this.consume(pendingId);
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
    return pendingId ?? this.pending.save(ctx.domain.name, ctx.pairs);
  }
}
