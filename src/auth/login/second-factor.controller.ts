import { Body, Controller, HttpCode, Get, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Random } from '../../common/random.js';
import { csrfToken, CsrfGuard } from '../../http/csrf.js';
import { sendPage } from '../../http/pages.js';
import { clientInfo, requireDomain } from '../../http/request-input.js';
import { sendOutcome } from '../checkid/checkid-http.js';
import { readSessionToken } from '../session/session-cookies.js';
import { answerLogin, readDeviceToken } from './login-http.js';
import { PasskeyAssertionForm, PasskeyOptionsForm, SecondFactorForm, SecondFactorQuery } from './login.dto.js';
import { prefersHtml } from '../../http/error-responder.js';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { type SecondFactorResult, SecondFactorLoginService } from './second-factor-login.service.js';
import { secondFactorPage } from './second-factor-page.js';

/** The second-factor page of the public contract: one CSRF-protected form with an input named `code`, and its "Use a passkey" button. */
@Controller('login/code')
export class SecondFactorController {
  constructor(
    private readonly codes: SecondFactorLoginService,
    private readonly random: Random,
  ) {}

  @Get()
  async show(@Query() query: SecondFactorQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const result = await this.codes.show(requireDomain(request), { requestId: query.request, interaction: query.interaction, wantPasskey: query.want === 'passkey' }, readSessionToken(request), clientInfo(request));
    this.answer(request, reply, result);
  }

  @Post()
  @UseGuards(CsrfGuard)
  async submit(@Body() form: SecondFactorForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const result = await this.codes.submit(requireDomain(request), form, readSessionToken(request), clientInfo(request), readDeviceToken(request));
    this.answer(request, reply, result);
  }

  /** WebAuthn options for "Use a passkey" (JSON for the page's script; CSRF checked like a form). */
  @Post('passkey/options')
  @HttpCode(200)
  @UseGuards(CsrfGuard)
  async passkeyOptions(@Body() _form: PasskeyOptionsForm, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<PublicKeyCredentialRequestOptionsJSON> {
    reply.header('cache-control', 'no-store');
    return this.codes.passkeyOptions(requireDomain(request), readSessionToken(request));
  }

  /** The passkey's answer (filled in by the page's script). */
  @Post('passkey')
  @UseGuards(CsrfGuard)
  async passkey(@Body() form: PasskeyAssertionForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const result = await this.codes.submitPasskey(requireDomain(request), form, readSessionToken(request), clientInfo(request), readDeviceToken(request));
    this.answer(request, reply, result);
  }

  private answer(request: FastifyRequest, reply: FastifyReply, result: SecondFactorResult): void {
    switch (result.kind) {
      case 'page':
        // A refused passkey: machines get its problem document (with the reason), browsers the page.
        if (result.problem !== undefined && !prefersHtml(request)) throw result.problem;
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
