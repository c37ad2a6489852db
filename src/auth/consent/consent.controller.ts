import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Random } from '../../common/random.js';
import { identifierUrl } from '../../discovery/urls.js';
import { BadRequest } from '../../http/app-error.js';
import { sendPage } from '../../http/pages.js';
import { RealmPolicy } from '../../realm/realm-policy.service.js';
import { TrustGrantsService } from '../../realm/trust-grants.service.js';
import { type Decision, CheckidService } from '../checkid/checkid.service.js';
import { checkCsrf, csrfToken } from '../../http/csrf.js';
import { formField, requireDomain } from '../../http/request-input.js';
import { resumeRequest, sendOutcome } from '../checkid/checkid-http.js';
import { consentPage } from './consent-page.js';
import { readSessionToken } from '../session/session-cookies.js';
import { type ActiveSession, SessionService } from '../session/session.service.js';

const DECISIONS: ReadonlySet<string> = new Set<Decision>(['allow_once', 'allow_always', 'deny']);

/** The consent page of the public contract: decision = allow_once | allow_always | deny. */
@Controller()
export class ConsentController {
  constructor(
    private readonly sessions: SessionService,
    private readonly checkid: CheckidService,
    private readonly random: Random,
    private readonly realmPolicy: RealmPolicy,
    private readonly trust: TrustGrantsService,
  ) {}

  /** Where a POSTed checkid request lands once parked: the session cookie is visible here. */
  @Get('continue')
  async resume(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query('request') requestId?: string): Promise<void> {
    const ctx = await resumeRequest(this.checkid, request, requestId);
    const active = await this.sessions.resolve(readSessionToken(request));
    sendOutcome(request, reply, await this.checkid.decide(ctx, active, requestId));
  }

  @Get('consent')
  async show(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query('request') requestId?: string): Promise<void> {
    const ctx = await resumeRequest(this.checkid, request, requestId);
    const active = await this.sessions.resolve(readSessionToken(request));
    if (!active || !this.checkid.accountMatches(ctx, active.user)) {
      reply.redirect(`/login?request=${requestId}`, 302);
      return;
    }
    const domain = requireDomain(request);
    const realm = ctx.realm!;
    const grant = await this.trust.find(active.user.id, realm.value);
    sendPage(
      reply,
      200,
      consentPage({
        csrf: csrfToken(request, reply, () => this.random.token()),
        requestId: requestId!,
        realm: realm.value,
        flags: this.realmPolicy.describe(realm),
        returnToCheck: ctx.returnToCheck,
        identifier: ctx.identity?.kind === 'user' ? (ctx.identity.claimedId ?? ctx.identity.identity) : identifierUrl(domain, active.user.username),
        account: `${active.user.username}@${active.user.domain}`,
        returnToOrigin: ctx.returnTo ? new URL(ctx.returnTo.value).origin : undefined,
        attributes: (await this.checkid.consentRows(ctx, active.user)).map((row) => ({
          ...row,
          // Ticked by default: the fields the user shares by default, or released to this realm before.
          checked: row.value !== undefined && (active.user.releaseDefaults.includes(row.field) || (grant?.fields.includes(row.field) ?? false)),
        })),
        policyUrl: ctx.attributes?.policyUrl,
      }),
    );
  }

  @Post('consent')
  async decide(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const domain = requireDomain(request);
    checkCsrf(request, formField(request, 'csrf'), new URL(domain.base_url).origin);
    const requestId = formField(request, 'request');
    const decision = formField(request, 'decision');
    if (decision === undefined || !DECISIONS.has(decision)) throw new BadRequest('invalid_decision', 'Invalid decision', 'Choose allow once, always allow or deny.');
    const ctx = await resumeRequest(this.checkid, request, requestId);
    const active: ActiveSession | undefined = await this.sessions.resolve(readSessionToken(request));
    if (!active || !this.checkid.accountMatches(ctx, active.user)) {
      reply.redirect(`/login?request=${requestId}`, 303);
      return;
    }
    const release = (request.body as Record<string, unknown> | undefined)?.['release'];
    const ticked = (Array.isArray(release) ? release : release === undefined ? [] : [release]).map(String);
    sendOutcome(request, reply, await this.checkid.decideConsent(ctx, active, decision as Decision, requestId!, ticked));
  }
}
