import { Controller, Get, NotFoundException, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFound } from '../http/app-error.js';
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
    .header('content-security-policy', "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
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
  constructor(private readonly discovery: DiscoveryService) {}

  /** The claimed identifier {base}/openid/{user} (DESIGN.md). */
  @Get(':user')
  async identifier(@Param('user') user: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // The mod_openid form {base}/openid/user@domain is vestigial and not served.
    if (user.includes('@')) throw new IdentifierFormNotServed();
    const doc = await this.discovery.identifierDocument(request.domain!, user, request.headers.accept, wantsXrdsQuery(request));
    // Exactly what an unmatched route answers: an unknown account looks like any other miss.
    if (!doc) throw new NotFoundException();
    sendDiscovery(reply, doc);
  }
}
