import { Controller, Get, NotFoundException, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccountService } from './account.service.js';
import { csrfToken } from '../../http/csrf.js';
import { readSessionToken } from '../session/session-cookies.js';
import { SessionService } from '../session/session.service.js';
import { Random } from '../../common/random.js';
import { NotFound } from '../../http/app-error.js';
import { sendDocument, sendPage } from '../../http/pages.js';
import { PROFILE_HINTS, PROFILE_LABELS } from '../../users/profile.js';
import { PROFILE_FIELDS } from '../../users/user.entity.js';
import { DiscoveryService } from '../../discovery/discovery.service.js';
import { ownerPage } from './owner-page.js';

export class IdentifierFormNotServed extends NotFound {
  constructor() {
    super('identifier_form_not_served', 'Not an identifier', 'Identifiers have the form {base}/openid/{user}, without @domain: the domain is the host of the address.');
  }
}

function wantsXrdsQuery(request: FastifyRequest): boolean {
  return new URLSearchParams(request.url.split('?')[1] ?? '').has('xrds');
}

/**
 * The claimed identifier {base}/openid/{user} (DESIGN.md): its discovery documents (built by the
 * discovery module) for relying parties and visitors, and the management page for its signed-in
 * owner. It lives with the account pages because the owner view needs the session and CSRF.
 */
@Controller('openid')
export class IdentityPageController {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly sessions: SessionService,
    private readonly account: AccountService,
    private readonly random: Random,
  ) {}

  /**
   * The claimed identifier {base}/openid/{user} (DESIGN.md): its discovery documents for
   * everyone, and the management page for its signed-in owner.
   */
  @Get(':user')
  async identifier(@Param('user') name: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // The mod_openid form {base}/openid/user@domain is vestigial and not served.
    if (name.includes('@')) throw new IdentifierFormNotServed();
    const domain = request.domain!;
    const user = await this.discovery.findAccount(domain, name);
    // Exactly what an unmatched route answers: an unknown account looks like any other miss.
    if (!user) throw new NotFoundException();
    const xrds = this.discovery.wantsXrds(request.headers.accept, wantsXrdsQuery(request));
    const active = xrds ? undefined : await this.sessions.resolve(readSessionToken(request));
    if (active && active.user.id === user.id) {
      const overview = await this.account.overview(user);
      sendPage(
        reply.header('vary', 'Accept, Cookie').header('x-xrds-location', this.discovery.links(domain, user).xrdsUrl),
        200,
        ownerPage({
          account: `${user.username}@${domain.name}`,
          links: this.discovery.links(domain, user),
          csrf: csrfToken(request, reply, () => this.random.token()),
          currentSessionId: active.session.id,
          profile: PROFILE_FIELDS.map((field) => ({
            field,
            label: PROFILE_LABELS[field],
            hint: PROFILE_HINTS[field],
            value: active.user[field] ?? '',
            shared: active.user.releaseDefaults.includes(field),
          })),
          ...overview,
        }),
      );
      return;
    }
    sendDocument(reply, this.discovery.identifierDocument(domain, user, xrds));
  }
}
