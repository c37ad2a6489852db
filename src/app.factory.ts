import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LoadedConfig } from './config/config.loader.js';
import { Domains } from './config/domains.js';
import { securityConfig, type SecurityConfig } from './config/namespaces.js';
import { AppModule, type AppRuntime } from './app.module.js';
import { Branding } from './http/branding.js';
import type { Logger } from 'pino';
import { clientErrorHandler, frameworkErrorHandler, installHttpPipeline, requestIdGenerator } from './http/http-pipeline.js';
import { bufferedStdout, createRootLogger, PinoNestLogger } from './http/logger.js';
import { Metrics } from './http/metrics.js';
import { resolveTls, type TlsMaterial } from './http/tls.js';
import { trustedProxyMatcher } from './http/trusted-proxies.js';

// Building the application is shared by main.ts and the e2e tests, so that tests boot exactly
// what production runs.

/** Form posts and OpenID messages are small; anything larger is refused before it is parsed. */
export const BODY_LIMIT = 256 * 1024;
/**
 * The longest path parameter routed: a username of 1023 bytes (RFC 6122 §2.3), every byte
 * percent-encoded. Fastify's default (100) turned longer, valid names into a framework error;
 * anything longer still is answered by frameworkErrorHandler.
 */
export const MAX_PARAM_LENGTH = 3 * 1023;

export function createRuntime(loaded: LoadedConfig): AppRuntime {
  return { logger: createRootLogger(loaded.config.logging.level, bufferedStdout()), metrics: new Metrics() };
}

export function createAdapter(loaded: LoadedConfig, tls: TlsMaterial | undefined, logger: Logger): FastifyAdapter {
  const isTrustedProxy = trustedProxyMatcher(loaded.config.server.trusted_proxies);
  const timeouts = loaded.config.server.timeouts;
  // Node's own checks of incomplete requests (headersTimeout, requestTimeout), run every second
  // instead of every 30 s, so that a slow client is cut off near its deadline.
  const nodeServerOptions = { headersTimeout: Math.min(timeouts.headers, timeouts.request) * 1000, connectionsCheckingInterval: 1000 };
  return new FastifyAdapter({
    ...(tls ? { https: { key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' as const, ...nodeServerOptions } } : { http: nodeServerOptions }),
    requestTimeout: timeouts.request * 1000,
    connectionTimeout: timeouts.request * 1000,
    keepAliveTimeout: timeouts.keep_alive * 1000,
    // Only configured proxies may set X-Forwarded-For/-Proto/-Host (fastify consults this per hop).
    trustProxy: loaded.config.server.trusted_proxies.length > 0 ? (address: string) => isTrustedProxy(address) : false,
    genReqId: requestIdGenerator(isTrustedProxy),
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Router errors raised before any hook runs (over-long parameter, malformed percent-encoding)
    // answer like every other error instead of Fastify's bare JSON.
    frameworkErrors: frameworkErrorHandler(logger, loaded.config.security.hsts_max_age),
    // And what Node's HTTP parser refuses before Fastify has a request (clientError).
    clientErrorHandler: clientErrorHandler(logger, loaded.config.security.hsts_max_age),
    // Keep-alive connections are closed at shutdown once idle; in-flight requests finish.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // No Nest middleware anywhere (every cross-cutting rule is a Fastify hook: http-pipeline.ts),
    // so no @fastify/middie, whose hook otherwise runs on every request for nothing. A module that
    // adds one (consumer.apply) fails at start-up, not silently.
    skipMiddie: true,
  });
}

/** Everything that must be set on the application before init, whoever created it. */
export function configureApp(app: NestFastifyApplication, runtime: AppRuntime): void {
  const security = app.get<string, SecurityConfig>(securityConfig.KEY);
  installHttpPipeline(app.getHttpAdapter().getInstance(), security, app.get(Domains), runtime.logger, runtime.metrics, app.get(Branding));
}

export interface StartedApp {
  app: NestFastifyApplication;
  runtime: AppRuntime;
  tls: TlsMaterial | undefined;
}

export async function createApp(loaded: LoadedConfig, runtime: AppRuntime = createRuntime(loaded)): Promise<StartedApp> {
  const tls = await resolveTls(loaded.config, runtime.logger);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(loaded, runtime), createAdapter(loaded, tls, runtime.logger), {
    logger: new PinoNestLogger(runtime.logger),
    abortOnError: false,
  });
  configureApp(app, runtime);
  await app.init();
  return { app, runtime, tls };
}
