import { Body, Controller, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfGuard } from '../../http/csrf.js';
import { uuidParam } from '../../http/params.js';
import { clientInfo, requireDomain } from '../../http/request-input.js';
import { clearSessionCookie, readSessionToken } from '../session/session-cookies.js';
import { ButtonForm, NoticesForm, ProfileForm } from './account.dto.js';
import { type AccountAnswer, AccountService } from './account.service.js';

/** The owner's actions from the identity page, and signing out. Every one is a CSRF-checked POST. */
@Controller()
@UseGuards(CsrfGuard)
export class AccountController {
  constructor(private readonly account: AccountService) {}

  @Post('logout')
  async logout(@Body() _form: ButtonForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    answer(request, reply, await this.account.logout(readSessionToken(request), clientInfo(request)));
  }

  @Post('logout-everywhere')
  async logoutEverywhere(@Body() _form: ButtonForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    answer(request, reply, await this.account.logoutEverywhere(readSessionToken(request), clientInfo(request)));
  }

  @Post('account/profile')
  async saveProfile(@Body() form: ProfileForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    answer(request, reply, await this.account.saveProfile(requireDomain(request), readSessionToken(request), form));
  }

  @Post('account/notices')
  async notices(@Body() form: NoticesForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    answer(request, reply, await this.account.setNotices(requireDomain(request), readSessionToken(request), form.notices === 'on'));
  }

  @Post('account/trust/:id/revoke')
  async revokeTrust(@Param('id', uuidParam()) id: string, @Body() _form: ButtonForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    answer(request, reply, await this.account.revokeGrant(requireDomain(request), readSessionToken(request), id, clientInfo(request)));
  }

  @Post('account/sessions/:id/revoke')
  async revokeSession(@Param('id', uuidParam()) id: string, @Body() _form: ButtonForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    answer(request, reply, await this.account.revokeSession(requireDomain(request), readSessionToken(request), id, clientInfo(request)));
  }
}

function answer(request: FastifyRequest, reply: FastifyReply, result: AccountAnswer): void {
  if (result.clearSession) clearSessionCookie(request, reply);
  reply.redirect(result.location, 303);
}
