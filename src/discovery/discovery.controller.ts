import { Controller, Get, NotFoundException, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccountService } from '../auth/account.service.js';
import { csrfToken } from '../auth/csrf.js';
import { readSessionToken } from '../auth/session-cookies.js';
import { SessionService } from '../auth/session.service.js';
import { Random } from '../common/random.js';
import { NotFound } from '../http/app-error.js';
import { sendPage } from '../http/pages.js';
import { PROFILE_HINTS, PROFILE_LABELS } from '../users/profile.js';
import { PROFILE_FIELDS } from '../users/user.entity.js';
import { ownerPage } from './identity-page.js';
import { DiscoveryService, type DiscoveryDocument } from './discovery.service.js';

export class IdentifierFormNotServed extends NotFound {
  constructor() {
    super('identifier_form_not_served', 'Not an identifier', 'Identifiers have the form {base}/openid/{user}, without @domain: the domain is the host of the address.');
  }
}

/** Page headers for discovery documents: never framed, no script, no referrer. */
export function sendDiscovery(reply: FastifyReply, doc: DiscoveryDocument): void {
  reply
    .headers(doc.headers)
    .header('content-security-policy', "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .type(doc.contentType)
    .send(doc.body);
}

function wantsXrdsQuery(request: FastifyRequest): boolean {
  return new URLSearchParams(request.url.split('?')[1] ?? '').has('xrds');
}

@Controller('openid')
export class DiscoveryController {
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
    sendDiscovery(reply, this.discovery.identifierDocument(domain, user, xrds));
  }
}
