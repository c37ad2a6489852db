import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AssociateService } from '../association/associate.service.js';
import { CheckAuthenticationService } from '../association/check-authentication.service.js';
import { sendDocument } from '../http/pages.js';
import { DiscoveryService } from '../discovery/discovery.service.js';
import { Mode, NS_OPENID_2_0 } from '../protocol/consts.js';
import { InvalidRequest, UnsupportedMode } from '../protocol/errors.js';
import type { KeyValuePairs } from '../protocol/kv-form.js';
import { parseOpenIdMessage } from '../protocol/message.js';
import { toKeyValue } from '../protocol/message-encode.js';
import { CheckidService } from './checkid/checkid.service.js';
import { clientInfo, requireDomain } from '../http/request-input.js';
import { sendOutcome } from './checkid/checkid-http.js';
import { bodyPairs, queryPairs } from './openid-input.js';
import { PendingRequestService } from './checkid/pending-request.service.js';
import { readSessionToken } from './session/session-cookies.js';
import { SessionService } from './session/session.service.js';

const DIRECT_MODES: ReadonlySet<string> = new Set([Mode.associate, Mode.checkAuthentication]);

/**
 * The OP endpoint, {base}/openid (DESIGN.md): every openid.mode, by GET or POST. A GET without
 * any openid.* parameter is discovery of the OP identifier (§7.3.1).
 */
@Controller('openid')
export class EndpointController {
  constructor(
    private readonly associate: AssociateService,
    private readonly checkAuthentication: CheckAuthenticationService,
    private readonly checkid: CheckidService,
    private readonly pending: PendingRequestService,
    private readonly sessions: SessionService,
    private readonly discovery: DiscoveryService,
  ) {}

  @Get()
  async get(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const pairs = queryPairs(request);
    if (pairs.length === 0) {
      const forceXrds = new URLSearchParams(request.url.split('?')[1] ?? '').has('xrds');
      sendDocument(reply, this.discovery.opIdentifierDocument(requireDomain(request), request.headers.accept, forceXrds));
      return;
    }
    await this.handle(request, reply, pairs);
  }

  @Post()
  async post(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // OpenID 2.0 §4.1.2: a POSTed message is in the body; a second copy in the query string
    // would leave two candidate messages.
    if (queryPairs(request).length > 0) {
      request.openid = { direct: true, version: '2.0' };
      throw new InvalidRequest('openid.* parameters must be in the body of a POST, not in its URL');
    }
    await this.handle(request, reply, bodyPairs(request));
  }

  private async handle(request: FastifyRequest, reply: FastifyReply, pairs: [string, string][]): Promise<void> {
    const mode = pairs.find(([k]) => k === 'openid.mode')?.[1];
    const ns = pairs.find(([k]) => k === 'openid.ns')?.[1];
    // Tell the error responder how to answer before anything can fail (§5.1.2.2 vs §5.2.3).
    request.openid = { direct: request.method === 'POST' && (mode === undefined || DIRECT_MODES.has(mode)), version: ns === NS_OPENID_2_0 ? '2.0' : '1.x' };
    if (mode === undefined) throw new InvalidRequest('Missing openid.mode');

    if (DIRECT_MODES.has(mode)) {
      // OpenID 2.0 §5.1.1: direct requests are POSTs.
      if (request.method !== 'POST') throw new InvalidRequest(`openid.mode=${mode} must be POSTed`);
      const message = parseOpenIdMessage(pairs);
      request.openid.version = message.version;
      const fields: KeyValuePairs = mode === Mode.associate ? await this.associate.associate(message, request.secure) : await this.checkAuthentication.check(message);
      // OpenID 2.0 §5.1.2: key-value form body, HTTP 200.
      reply.code(200).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(toKeyValue(fields));
      return;
    }
    if (mode !== Mode.checkidSetup && mode !== Mode.checkidImmediate) throw new UnsupportedMode(`Unsupported openid.mode ${JSON.stringify(mode)}`);

    const domain = requireDomain(request);
    const ctx = await this.checkid.validate(domain, pairs, request.openid, clientInfo(request));
    if (request.method === 'POST') {
      // A cross-site POST carries no SameSite=Lax cookie: park the request and look at the
      // session on a same-site GET of /continue.
      const id = await this.pending.save(domain.name, pairs);
      reply.header('cache-control', 'no-store').redirect(`/continue?request=${id}`, 303);
      return;
    }
    const active = await this.sessions.resolve(readSessionToken(request));
    sendOutcome(request, reply, await this.checkid.decide(ctx, active));
  }
}
