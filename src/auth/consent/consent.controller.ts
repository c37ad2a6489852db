import { Body, Controller, Get, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Random } from '../../common/random.js';
import { CsrfGuard, csrfToken } from '../../http/csrf.js';
import { sendPage } from '../../http/pages.js';
import { clientInfo, requireDomain } from '../../http/request-input.js';
import { sendOutcome } from '../checkid/checkid-http.js';
import { PendingRequestQuery } from '../checkid/pending-request.dto.js';
import { readSessionToken } from '../session/session-cookies.js';
import { consentPage } from './consent-page.js';
import { ConsentForm } from './consent.dto.js';
import { ConsentService } from './consent.service.js';

/** The consent page of the public contract: decision = allow_once | allow_always | deny. */
@Controller()
export class ConsentController {
  constructor(
    private readonly consent: ConsentService,
    private readonly random: Random,
  ) {}

  /** Where a POSTed checkid request lands once parked: the session cookie is visible here. */
  @Get('continue')
  async resume(@Query() query: PendingRequestQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    sendOutcome(request, reply, await this.consent.continue(requireDomain(request), query.request, readSessionToken(request), clientInfo(request)));
  }

  @Get('consent')
  async show(@Query() query: PendingRequestQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const result = await this.consent.page(requireDomain(request), query.request, readSessionToken(request), clientInfo(request));
    if (result.kind === 'outcome') return sendOutcome(request, reply, result.outcome);
    sendPage(reply, 200, consentPage({ ...result.view, csrf: csrfToken(request, reply, () => this.random.token()) }));
  }

  @Post('consent')
  @UseGuards(CsrfGuard)
  async decide(@Body() form: ConsentForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    sendOutcome(request, reply, await this.consent.decide(requireDomain(request), form, readSessionToken(request), clientInfo(request)));
  }
}
