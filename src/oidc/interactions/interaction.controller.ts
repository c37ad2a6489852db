import { Body, Controller, Get, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Random } from '../../common/random.js';
import { readSessionToken } from '../../auth/session/session-cookies.js';
import { CsrfGuard, csrfToken } from '../../http/csrf.js';
import { sendPage } from '../../http/pages.js';
import { requireDomain } from '../../http/request-input.js';
import { prepareForKoa } from '../koa-request.js';
import { oidcConsentPage } from './consent-page.js';
import { InteractionParams, OidcConsentForm } from './interaction.dto.js';
import { InteractionService, type InteractionStep } from './interaction.service.js';

/** oidc-provider's interactions.url: the login and consent prompts of an authorization request. */
@Controller('oidc/interaction')
export class InteractionController {
  constructor(
    private readonly interactions: InteractionService,
    private readonly random: Random,
  ) {}

  @Get(':uid')
  async show(@Param() params: InteractionParams, @Query('passkey') passkey: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const domain = requireDomain(request);
    // `?passkey=declined` (PASSKEY_DECLINED_QUERY): back from a step-up that asked for a passkey and got a code.
    const step = await this.interactions.show(domain, params.uid, { req: prepareForKoa(request, domain), res: reply.raw }, readSessionToken(request), passkey === 'declined');
    this.answer(request, reply, step);
  }

  @Post(':uid')
  @UseGuards(CsrfGuard)
  async decide(@Param() params: InteractionParams, @Body() form: OidcConsentForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const domain = requireDomain(request);
    const step = await this.interactions.decide(domain, params.uid, { req: prepareForKoa(request, domain), res: reply.raw }, readSessionToken(request), form.decision, form.release, form.openid2 === 'withhold');
    this.answer(request, reply, step);
  }

  private answer(request: FastifyRequest, reply: FastifyReply, step: InteractionStep): void {
    if (step.kind === 'consent') {
      sendPage(reply, 200, oidcConsentPage({ ...step.view, csrf: csrfToken(request, reply, () => this.random.token()) }, step.languages));
      return;
    }
    // 303 after the POST so that the browser follows with GET.
    reply.header('cache-control', 'no-store').redirect(step.location, request.method === 'POST' ? 303 : 302);
  }
}
