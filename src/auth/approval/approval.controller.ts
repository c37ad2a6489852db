import { Body, Controller, Get, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Random } from '../../common/random.js';
import { csrfToken, CsrfGuard } from '../../http/csrf.js';
import { sendPage } from '../../http/pages.js';
import { answerInPopup } from '../../http/popup.js';
import { clientInfo, requireDomain } from '../../http/request-input.js';
import { answerLogin, readDeviceToken } from '../login/login-http.js';
import { readSessionToken } from '../session/session-cookies.js';
import { clearApprovalCookie, readApprovalToken } from './approval-http.js';
import { approvalPage } from './approval-page.js';
import { ApprovalCancelForm, ApprovalParams } from './approval.dto.js';
import { LoginApprovalService } from './login-approval.service.js';

/** The waiting page of a sign-in approval from the chat app, and its cancel button. */
@Controller('login/approval')
export class ApprovalController {
  constructor(
    private readonly approvals: LoginApprovalService,
    private readonly random: Random,
  ) {}

  @Get(':id')
  async show(@Param() params: ApprovalParams, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const status = await this.approvals.status(requireDomain(request), params.id, readApprovalToken(request), readSessionToken(request), clientInfo(request), readDeviceToken(request));
    if (status.kind === 'signed-in') {
      clearApprovalCookie(request, reply);
      answerLogin(request, reply, status.result, () => this.random.token());
      return;
    }
    const view = status.view;
    sendPage(reply, view.kind === 'waiting' ? 200 : view.status, { ...approvalPage(view, csrfToken(request, reply, () => this.random.token()), String(request.id)), popup: status.popup, languages: status.languages });
  }

  @Post(':id/cancel')
  @UseGuards(CsrfGuard)
  async cancel(@Param() params: ApprovalParams, @Body() _form: ApprovalCancelForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // The binding cookie stays (it expires with the request): a reload then says "cancelled".
    const { location, popup } = await this.approvals.cancel(requireDomain(request), params.id, readApprovalToken(request));
    if (popup) answerInPopup(reply);
    reply.header('cache-control', 'no-store').redirect(location, 303);
  }
}
