import { Body, Controller, Get, Post, Query, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Random } from '../../common/random.js';
import { CsrfGuard } from '../../http/csrf.js';
import { clientInfo, requireDomain } from '../../http/request-input.js';
import { answerApprovalStart } from '../approval/approval-http.js';
import { LoginApprovalService } from '../approval/login-approval.service.js';
import { readSessionToken } from '../session/session-cookies.js';
import { answerLogin, readDeviceToken } from './login-http.js';
import { LoginFormRejected } from './login-form.interceptor.js';
import { LoginForm, LoginQuery } from './login.dto.js';
import { LoginService } from './login.service.js';

/** The login page of the public contract: username, password, remember, CSRF and request id. */
@Controller('login')
export class LoginController {
  constructor(
    private readonly login: LoginService,
    private readonly random: Random,
    private readonly approval: LoginApprovalService,
  ) {}

  @Get()
  async show(@Query() query: LoginQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const result = await this.login.show(requireDomain(request), query.request, readSessionToken(request), clientInfo(request), query.interaction, query.fresh === '1');
    answerLogin(request, reply, result, () => this.random.token());
  }

  /** A refused form answers the login page again (LoginFormRejected), CSRF checked first. */
  @Post()
  @UseGuards(CsrfGuard)
  @UseInterceptors(LoginFormRejected)
  async submit(@Body() form: LoginForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (form.method === 'xmpp') {
      // DESIGN.md "XMPP": "Confirm with my chat app" (XEP-0070), then the waiting page.
      answerApprovalStart(request, reply, await this.approval.begin(requireDomain(request), form, clientInfo(request)), () => this.random.token());
      return;
    }
    const result = await this.login.submit(requireDomain(request), form, readSessionToken(request), clientInfo(request), readDeviceToken(request));
    answerLogin(request, reply, result, () => this.random.token());
  }
}
