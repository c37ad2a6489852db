import { Body, Controller, Get, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Random } from '../../common/random.js';
import { csrfToken, CsrfGuard } from '../../http/csrf.js';
import { sendPage } from '../../http/pages.js';
import { clientInfo, requireDomain } from '../../http/request-input.js';
import { sendOutcome } from '../checkid/checkid-http.js';
import { readSessionToken } from '../session/session-cookies.js';
import { answerLogin, readDeviceToken } from './login-http.js';
import { SecondFactorForm, SecondFactorQuery } from './login.dto.js';
import { type SecondFactorResult, SecondFactorLoginService } from './second-factor-login.service.js';
import { secondFactorPage } from './second-factor-page.js';

/** The second-factor page of the public contract: one CSRF-protected form with an input named `code`. */
@Controller('login/code')
export class SecondFactorController {
  constructor(
    private readonly codes: SecondFactorLoginService,
    private readonly random: Random,
  ) {}

  @Get()
  async show(@Query() query: SecondFactorQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const result = await this.codes.show(requireDomain(request), { requestId: query.request, interaction: query.interaction }, readSessionToken(request), clientInfo(request));
    this.answer(request, reply, result);
  }

  @Post()
  @UseGuards(CsrfGuard)
  async submit(@Body() form: SecondFactorForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const result = await this.codes.submit(requireDomain(request), form, readSessionToken(request), clientInfo(request), readDeviceToken(request));
    this.answer(request, reply, result);
  }

  private answer(request: FastifyRequest, reply: FastifyReply, result: SecondFactorResult): void {
    switch (result.kind) {
      case 'page':
        if (result.retryAfter !== undefined) reply.header('retry-after', String(result.retryAfter));
        sendPage(reply, result.status, secondFactorPage({ ...result.view, csrf: csrfToken(request, reply, () => this.random.token()) }));
        return;
      case 'login':
        answerLogin(request, reply, result.result, () => this.random.token());
        return;
      case 'outcome':
        sendOutcome(request, reply, result.outcome);
        return;
    }
  }
}
