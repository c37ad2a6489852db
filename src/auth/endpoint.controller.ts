import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendDocument } from '../http/pages.js';
import { requireDomain } from '../http/request-input.js';
import { toKeyValue } from '../protocol/message-encode.js';
import { sendOutcome } from './checkid/checkid-http.js';
import { type EndpointAnswer, EndpointService } from './endpoint.service.js';
import { endpointRequest } from './openid-input.js';

/**
 * The OP endpoint, {base}/openid (DESIGN.md): every openid.mode, by GET or POST, and without a
 * message the OP identifier's discovery document (§7.3.1).
 */
@Controller('openid')
export class EndpointController {
  constructor(private readonly endpoint: EndpointService) {}

  @Get()
  async get(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    answer(request, reply, await this.endpoint.handle(requireDomain(request), endpointRequest(request)));
  }

  @Post()
  async post(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    answer(request, reply, await this.endpoint.handle(requireDomain(request), endpointRequest(request)));
  }
}

function answer(request: FastifyRequest, reply: FastifyReply, result: EndpointAnswer): void {
  switch (result.kind) {
    case 'document':
      sendDocument(reply, result.document);
      return;
    case 'direct':
      // OpenID 2.0 §5.1.2: key-value form body, HTTP 200.
      reply.code(200).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(toKeyValue(result.fields));
      return;
    case 'outcome':
      sendOutcome(request, reply, result.outcome);
      return;
  }
}
