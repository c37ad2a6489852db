import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Random } from '../../common/random.js';
import { csrfToken } from '../../http/csrf.js';
import { sendDocument, sendPage } from '../../http/pages.js';
import { NameParamPipe } from '../../http/params.js';
import { requireDomain } from '../../http/request-input.js';
import { MAX_USERNAME_LENGTH } from '../../users/username.js';
import { readSessionToken } from '../session/session-cookies.js';
import { IdentityPageService } from './identity-page.service.js';
import { ownerPage } from './owner-page.js';

/** The private_identifiers.opaque column's length. */
const MAX_OPAQUE_LENGTH = 64;

/**
 * The claimed identifier {base}/openid/{user} (DESIGN.md): HTML, XRDS, or the issuer JSON of the
 * OpenID 2.0 to Connect migration (src/discovery/issuer.ts). It lives with the account pages
 * because the owner view needs the session and CSRF. A `:user` longer than any account name is
 * the same 404 as an unknown one.
 */
@Controller('openid')
export class IdentityPageController {
  constructor(
    private readonly identityPage: IdentityPageService,
    private readonly random: Random,
  ) {}

  /**
   * A private identifier {base}/openid/p/{opaque} (DESIGN.md): its discovery documents, the same
   * for everyone (the owner too: nothing on it names the account). Unknown or malformed: the
   * unmatched-route 404. A `:opaque` longer than the column is that 404 as well.
   */
  @Get('p/:opaque')
  async privateIdentifier(@Param('opaque', new NameParamPipe(MAX_OPAQUE_LENGTH)) opaque: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const document = await this.identityPage.showPrivate(requireDomain(request), opaque, {
      accept: request.headers.accept,
      forceXrds: new URLSearchParams(request.url.split('?')[1] ?? '').has('xrds'),
    });
    sendDocument(reply, document);
  }

  @Get(':user')
  async identifier(@Param('user', new NameParamPipe(MAX_USERNAME_LENGTH)) name: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const answer = await this.identityPage.show(requireDomain(request), name, {
      accept: request.headers.accept,
      forceXrds: new URLSearchParams(request.url.split('?')[1] ?? '').has('xrds'),
      sessionToken: readSessionToken(request),
    });
    if (answer.kind === 'document') return sendDocument(reply, answer.document);
    reply.header('vary', 'Accept, Accept-Language, Cookie').header('x-xrds-location', answer.xrdsLocation);
    sendPage(reply, 200, ownerPage({ ...answer.view, csrf: csrfToken(request, reply, () => this.random.token()) }));
  }
}
