import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Random } from '../../common/random.js';
import { browserBinding, CsrfGuard } from '../../http/csrf.js';
import { prefersHtml } from '../../http/error-responder.js';
import { clientInfo, requireDomain } from '../../http/request-input.js';
import { readSessionToken } from '../session/session-cookies.js';
import { answerLogin, readDeviceToken } from './login-http.js';
import { PasskeyAssertionForm, PasskeyOptionsForm } from './login.dto.js';
import { PasskeyLoginService } from './passkey-login.service.js';

/** "Sign in with a passkey" on the login page: its options (JSON for the page's script), then its answer. */
@Controller('login/passkey')
export class PasskeyLoginController {
  constructor(
    private readonly passkeys: PasskeyLoginService,
    private readonly random: Random,
  ) {}

  @Post('options')
  @HttpCode(200)
  @UseGuards(CsrfGuard)
  async options(@Body() _form: PasskeyOptionsForm, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<PublicKeyCredentialRequestOptionsJSON> {
    reply.header('cache-control', 'no-store');
    return this.passkeys.options(requireDomain(request), browserBinding(request), clientInfo(request));
  }

  @Post()
  @UseGuards(CsrfGuard)
  async submit(@Body() form: PasskeyAssertionForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const answer = await this.passkeys.signIn(requireDomain(request), form, browserBinding(request), readSessionToken(request), clientInfo(request), readDeviceToken(request));
    // A refused passkey: machines get its problem document (with the reason), browsers the login page.
    if (answer.problem !== undefined && !prefersHtml(request)) throw answer.problem;
    answerLogin(request, reply, answer.result, () => this.random.token());
  }
}
