import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** The base URL itself leads to the provider's page ({base}/openid, the OP identifier). */
@Controller()
export class HomeController {
  @Get()
  home(@Res() reply: FastifyReply): void {
    reply.redirect('/openid', 302);
  }
}
