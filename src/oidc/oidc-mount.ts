import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import oidcContext from 'oidc-provider/lib/helpers/als.js';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../common/tokens.js';
import { securityConfig, type SecurityConfig } from '../config/namespaces.js';
import { sendError } from '../http/error-responder.js';
import { hijackedResponseHeaders } from '../http/http-pipeline.js';
import { prepareForKoa } from './koa-request.js';
import { OidcProviders } from './oidc-providers.js';

// oidc-provider mounted in our Fastify application (no second listener), the way its
// example/fastify.js does it (the raw request and response handed to the Koa application),
// after everything our pipeline does to every request (http-pipeline.ts: request id, domain by
// Host, the HTTPS-only rule) and with the headers its onSend hook would add.

/** Every path oidc-provider serves: its discovery document and everything under /oidc/. */
const MOUNTS = ['/.well-known/openid-configuration', '/oidc/*'];

/**
 * oidc-provider runs each request inside its AsyncLocalStorage (lib/helpers/als.js). On Node 20
 * a storage, once run, keeps async_hooks' promise hook on for the whole process, and every
 * promise anywhere (every OpenID 2.0 request, every query) then pays for it: 3x the cost of an
 * await in a microbenchmark, 10-15 % of a checkid_immediate (docs/performance.md, 2026-12-08).
 * The storage is therefore disabled again whenever no request of the provider is in flight (the
 * next run() enables it again): nothing outside a request reads it (`getStore()` is called by
 * oidc-provider's request code only), and within requests, while any runs, it stays on.
 */
let oidcRequestsInFlight = 0;

async function inOidcContext(run: () => Promise<void>): Promise<void> {
  oidcRequestsInFlight += 1;
  try {
    await run();
  } finally {
    oidcRequestsInFlight -= 1;
    if (oidcRequestsInFlight === 0) oidcContext.disable();
  }
}

@Injectable()
export class OidcMount implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly providers: OidcProviders,
    @Inject(securityConfig.KEY) private readonly security: SecurityConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    for (const url of MOUNTS) {
      // HEAD comes with GET (Fastify's exposeHeadRoutes). More specific routes of ours under
      // /oidc/ (the interaction pages) win over the wildcard.
      fastify.route({ method: ['GET', 'POST', 'OPTIONS', 'PUT', 'DELETE'], url, handler: (request, reply) => this.handle(request, reply) });
    }
  }

  private async handle(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // The pipeline refused requests for unknown hosts already (OPERATIONAL_PATHS aside, which
    // these are not); `domain` is therefore set.
    const domain = request.domain!;
    let provider;
    try {
      provider = await this.providers.forDomain(domain);
    } catch (error) {
      sendError(request, reply, error, this.logger);
      return;
    }
    const raw = prepareForKoa(request, domain);
    const headers = hijackedResponseHeaders(request, reply, this.security);
    reply.hijack();
    for (const [name, value] of Object.entries(headers)) reply.raw.setHeader(name, value);
    await inOidcContext(() => provider.callback()(raw, reply.raw));
  }
}
