import { Body, Controller, Get, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IsString, MaxLength } from 'class-validator';
import { Random } from '../../common/random.js';
import { csrfToken, CsrfGuard } from '../../http/csrf.js';
import { CsrfProtectedForm } from '../../http/forms.js';
import { sendPage } from '../../http/pages.js';
import { uuidParam } from '../../http/params.js';
import { clientInfo, requireDomain } from '../../http/request-input.js';
import { MAX_CODE_LENGTH } from '../login/login.dto.js';
import { readSessionToken } from '../session/session-cookies.js';
import { ButtonForm } from './account.dto.js';
import { recoveryCodesPage, totpSetupPage } from './factor-pages.js';
import { type FactorAnswer, AccountFactorsService } from './factors.service.js';

/** The enrolment page's form: the first code of the new app. */
export class TotpConfirmForm extends CsrfProtectedForm {
  @IsString()
  @MaxLength(MAX_CODE_LENGTH)
  code: string;
}

/** The owner's second factors, from the identity page: every change a CSRF-checked POST. */
@Controller('account/factors')
export class FactorsController {
  constructor(
    private readonly factors: AccountFactorsService,
    private readonly random: Random,
  ) {}

  @Post('totp')
  @UseGuards(CsrfGuard)
  async begin(@Body() _form: ButtonForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.answer(request, reply, await this.factors.beginTotp(readSessionToken(request)));
  }

  @Get('totp/:id')
  async show(@Param('id', uuidParam()) id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.answer(request, reply, await this.factors.showTotp(requireDomain(request), readSessionToken(request), id));
  }

  @Post('totp/:id')
  @UseGuards(CsrfGuard)
  async confirm(@Param('id', uuidParam()) id: string, @Body() form: TotpConfirmForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.answer(request, reply, await this.factors.confirmTotp(requireDomain(request), readSessionToken(request), id, form.code, clientInfo(request)));
  }

  @Post('totp/:id/remove')
  @UseGuards(CsrfGuard)
  async remove(@Param('id', uuidParam()) id: string, @Body() _form: ButtonForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.answer(request, reply, await this.factors.removeTotp(requireDomain(request), readSessionToken(request), id, clientInfo(request)));
  }

  @Post('recovery')
  @UseGuards(CsrfGuard)
  async recovery(@Body() _form: ButtonForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.answer(request, reply, await this.factors.recoveryCodes(requireDomain(request), readSessionToken(request), clientInfo(request)));
  }

  private answer(request: FastifyRequest, reply: FastifyReply, answer: FactorAnswer): void {
    switch (answer.kind) {
      case 'redirect':
        reply.header('cache-control', 'no-store').redirect(answer.location, 303);
        return;
      case 'setup':
        sendPage(reply, answer.status, totpSetupPage({ ...answer.view, csrf: csrfToken(request, reply, () => this.random.token()) }));
        return;
      case 'codes':
        sendPage(reply, 200, recoveryCodesPage(answer.view));
        return;
    }
  }
}
