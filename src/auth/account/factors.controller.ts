import { Body, Controller, HttpCode, Get, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { prefersHtml } from '../../http/error-responder.js';
import { MAX_PASSKEY_NAME } from '../factors/passkey.service.js';
import { Random } from '../../common/random.js';
import { csrfToken, CsrfGuard } from '../../http/csrf.js';
import { CsrfProtectedForm } from '../../http/forms.js';
import { replyLocale, sendPage } from '../../http/pages.js';
import { uuidParam } from '../../http/params.js';
import { clientInfo, requireDomain } from '../../http/request-input.js';
import { MAX_CODE_LENGTH, MAX_PASSKEY_RESPONSE } from '../login/login.dto.js';
import { readSessionToken } from '../session/session-cookies.js';
import { ButtonForm } from './account.dto.js';
import { passkeySetupPage, recoveryCodesPage, totpSetupPage } from './factor-pages.js';
import { type FactorAnswer, AccountFactorsService } from './factors.service.js';

/** The enrolment page's form: the first code of the new app. */
export class TotpConfirmForm extends CsrfProtectedForm {
  @IsString()
  @MaxLength(MAX_CODE_LENGTH)
  code: string;
}

/** A new passkey: its name and the authenticator's answer (WebAuthn Level 3 §5.1 PublicKeyCredential as JSON, by the page's script). */
export class PasskeyRegisterForm extends CsrfProtectedForm {
  /** Control characters and extra spaces are dropped (passkeyName); a little room for them here. */
  @IsOptional()
  @IsString()
  @MaxLength(MAX_PASSKEY_NAME * 4)
  name?: string;

  @IsString()
  @MaxLength(MAX_PASSKEY_RESPONSE)
  response: string;
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

  @Post('passkey')
  @UseGuards(CsrfGuard)
  async beginPasskey(@Body() _form: ButtonForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.answer(request, reply, await this.factors.beginPasskey(requireDomain(request), readSessionToken(request)));
  }

  @Get('passkey')
  async showPasskey(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.answer(request, reply, await this.factors.showPasskey(requireDomain(request), readSessionToken(request)));
  }

  /** WebAuthn registration options (JSON for the page's script; CSRF checked like a form). */
  @Post('passkey/options')
  @HttpCode(200)
  @UseGuards(CsrfGuard)
  async passkeyOptions(@Body() _form: ButtonForm, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<PublicKeyCredentialCreationOptionsJSON> {
    reply.header('cache-control', 'no-store');
    return this.factors.passkeyOptions(requireDomain(request), readSessionToken(request));
  }

  @Post('passkey/register')
  @UseGuards(CsrfGuard)
  async registerPasskey(@Body() form: PasskeyRegisterForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.answer(request, reply, await this.factors.registerPasskey(requireDomain(request), readSessionToken(request), form.name, form.response, clientInfo(request), replyLocale(reply)));
  }

  @Post('passkey/:id/remove')
  @UseGuards(CsrfGuard)
  async removePasskey(@Param('id', uuidParam()) id: string, @Body() _form: ButtonForm, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.answer(request, reply, await this.factors.removePasskey(requireDomain(request), readSessionToken(request), id, clientInfo(request)));
  }

  private answer(request: FastifyRequest, reply: FastifyReply, answer: FactorAnswer): void {
    switch (answer.kind) {
      case 'passkey-setup':
        // A refused passkey: machines get its problem document (with the reason), browsers the page.
        if (answer.problem !== undefined && !prefersHtml(request)) throw answer.problem;
        sendPage(reply, answer.status, passkeySetupPage({ ...answer.view, csrf: csrfToken(request, reply, () => this.random.token()) }));
        return;
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
