import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { NotFoundException } from '@nestjs/common';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { SecurityConfig } from '../config/namespaces.js';
import type { Domains } from '../config/domains.js';
import { DEFAULT_LOCALE, renderIn, text, type Text } from '../i18n/locale.js';
import { AppError } from './app-error.js';
import type { BrandingView } from './branding.js';
import { OPENID_ENDPOINT_PATH, problemDocument, sendError } from './error-responder.js';
import { accessLogger } from './logger.js';
import type { Metrics } from './metrics.js';
import './request-context.js';
import { POPUP_OPENER_POLICY } from './popup.js';

/** Routes that answer whatever the Host (load balancers and scrapers probe by address). */
export const OPERATIONAL_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
/** The OpenID endpoint (DESIGN.md): never redirected to https, refused outright over plain HTTP. */

export class UnknownHost extends AppError {
  constructor(host: string) {
    super('unknown_domain', 404, text('errors.unknown_domain.title'), host ? text('errors.unknown_domain.detail', { host }) : text('errors.unknown_domain.no_host'));
  }
}

export class TlsRequired extends AppError {
  constructor() {
    super('tls_required', 403, text('errors.tls_required.title'), text('errors.tls_required.detail'));
  }
}

/** The helmet-style baseline on every response; pages add their CSP and X-Frame-Options. */
const BASELINE_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'x-dns-prefetch-control': 'off',
  'x-permitted-cross-domain-policies': 'none',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()',
};

function baselineHeaders(reply: FastifyReply): void {
  // A response of a popup-mode request keeps the opener (OpenID UI Extension 1.0 §5, popup.ts).
  const popup = reply.getHeader('cross-origin-opener-policy') === POPUP_OPENER_POLICY;
  reply.headers(BASELINE_HEADERS);
  if (popup) reply.header('cross-origin-opener-policy', POPUP_OPENER_POLICY);
  if (!reply.hasHeader('referrer-policy')) reply.header('referrer-policy', 'no-referrer');
}

/**
 * What the onSend hook adds, for a response that bypasses it: one a handler writes to the raw
 * socket after reply.hijack() (the OpenID Connect provider, a Koa application). The headers set on
 * the reply so far (the request id) come along.
 */
export function hijackedResponseHeaders(request: FastifyRequest, reply: FastifyReply, security: SecurityConfig): Record<string, string> {
  const headers: Record<string, string> = { 'referrer-policy': 'no-referrer', ...BASELINE_HEADERS, 'x-request-id': String(request.id) };
  for (const [name, value] of Object.entries(reply.getHeaders())) if (typeof value === 'string') headers[name] = value;
  if (request.secure) headers['strict-transport-security'] = `max-age=${security.hsts_max_age}`;
  return headers;
}

const started = Symbol('started');
type Timed = FastifyRequest & { [started]?: bigint };

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * Fastify hooks that run for every request, matched or not, before Nest sees it: request ids,
 * domain routing by Host, the HTTPS-only rule, transport security headers, access log, metrics.
 * (Errors Fastify raises itself, such as unparseable bodies, reach the global filter through the
 * error handler Nest installs.)
 */
export function installHttpPipeline(fastify: FastifyInstance, security: SecurityConfig, domains: Domains, logger: Logger, metrics: Metrics, branding: BrandingView): void {
  const hsts = `max-age=${security.hsts_max_age}`;

  // Pages rendered outside Nest's DI (the error responder) read the look from the instance.
  fastify.decorate('branding', branding);
  fastify.decorateRequest('domain', undefined);
  fastify.decorateRequest('secure', false);

  const accessLog = accessLogger(logger);

  // Callback-style hooks: one per request each, so no promise per hook.
  fastify.addHook('onRequest', (request: Timed, reply, done) => {
    request[started] = process.hrtime.bigint();
    reply.header('x-request-id', request.id);
    // request.protocol honours X-Forwarded-Proto only from a trusted proxy (see trustProxy).
    request.secure = request.protocol?.toLowerCase() === 'https';
    const path = pathOf(request.url);
    if (OPERATIONAL_PATHS.has(path)) return done();

    const domain = domains.forHost(request.hostname);
    // An answer sent from a callback hook ends the request there: done() is not called.
    if (!domain) return refuse(request, reply, new UnknownHost(request.hostname));
    request.domain = domain;

    if (security.https_only && !request.secure) {
      // People following an http:// link to a page are sent to the https:// address of the same
      // page on the configured origin (never to the Host they sent). Anything that could carry
      // credentials or an OpenID message is refused instead: it has already crossed in clear.
      const isPage = (request.method === 'GET' || request.method === 'HEAD') && path !== OPENID_ENDPOINT_PATH;
      const origin = new URL(domain.base_url);
      if (isPage && origin.protocol === 'https:') {
        reply.redirect(`${origin.origin}${request.url}`, 308);
        return;
      }
      return refuse(request, reply, new TlsRequired());
    }
    done();
  });

  fastify.addHook('onSend', (request, reply, payload, done) => {
    // Set in onRequest, except where Fastify answers without running it: a request target that
    // is not a path ("GET * HTTP/1.1") reaches its fallback 404 straight from the router.
    if (!reply.hasHeader('x-request-id')) reply.header('x-request-id', request.id);
    if (request.secure) reply.header('strict-transport-security', hsts);
    baselineHeaders(reply);
    done(null, payload);
  });

  fastify.addHook('onResponse', (request: Timed, reply, done) => {
    const seconds = request[started] === undefined ? 0 : Number(process.hrtime.bigint() - request[started]) / 1e9;
    const route = request.routeOptions?.url ?? 'unmatched';
    metrics.observe(request.method, route, reply.statusCode, seconds);
    accessLog({ reqId: String(request.id), method: request.method, route, status: reply.statusCode, ms: Math.round(seconds * 1e4) / 10, ip: request.ip });
    done();
  });

  function refuse(request: FastifyRequest, reply: FastifyReply, error: AppError): void {
    sendError(request, reply, error, logger);
  }
}

export class MalformedAddress extends AppError {
  constructor() {
    super('bad_url', 400, text('errors.bad_url.title'), text('errors.bad_url.detail'));
  }
}

/**
 * Fastify's `frameworkErrors`: errors its router raises before any hook or route runs. A path
 * parameter over maxParamLength is longer than any name or id we serve, so it is a miss like any
 * other (the unmatched-route 404); malformed percent-encoding is a bad request. Fastify's own
 * answer would be bare JSON that echoes the path. No hook runs for these requests, so the request
 * id and the baseline headers are set here.
 */
export function frameworkErrorHandler(logger: Logger, hstsMaxAge: number) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    reply.header('x-request-id', request.id);
    baselineHeaders(reply);
    // RFC 6797 §7.1: on every response over TLS, refusals too (no onRequest hook has set
    // request.secure yet: the protocol as the pipeline would read it).
    if (request.protocol?.toLowerCase() === 'https') reply.header('strict-transport-security', `max-age=${hstsMaxAge}`);
    sendError(request, reply, error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? new NotFoundException() : error.code === 'FST_ERR_BAD_URL' ? new MalformedAddress() : error, logger);
  };
}

/**
 * What Node's HTTP parser refuses, by its error code (Node's `clientError`); anything else is a 400.
 * No header was read, Accept-Language neither: these answer in English.
 */
const CLIENT_ERRORS: Readonly<Record<string, { status: number; code: string; title: Text; detail: Text }>> = {
  HPE_HEADER_OVERFLOW: { status: 431, code: 'headers_too_large', title: text('errors.headers_too_large.title'), detail: text('errors.headers_too_large.detail') },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request_timeout', title: text('errors.request_timeout.title'), detail: text('errors.request_timeout.detail') },
};
const MALFORMED_REQUEST = { status: 400, code: 'bad_request', title: text('errors.bad_request.title'), detail: text('errors.bad_request.not_http') };

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser refuses (a control character or a
 * space in the request target, a malformed header line, request line and headers over the
 * maximum size) never become a request, so no hook or filter sees them. Fastify's own answer is
 * bare JSON without a request id or the baseline headers; this one is the problem document every
 * other refusal gets, with a fresh request id (logged with the parser's error code).
 */
export function clientErrorHandler(logger: Logger, hstsMaxAge: number) {
  return (error: ConnectionError, socket: Socket): void => {
    // A reset connection has no one to answer (Node's documented clientError contract).
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const problem = CLIENT_ERRORS[error.code] ?? MALFORMED_REQUEST;
    const requestId = randomUUID();
    logger.info({ reqId: requestId, code: problem.code, status: problem.status, parserError: error.code }, 'request refused');
    const body = renderIn(DEFAULT_LOCALE, () => problemDocument(problem, requestId));
    const headers: Record<string, string> = {
      'content-type': 'application/problem+json; charset=utf-8',
      'content-language': DEFAULT_LOCALE.lang,
      'content-length': String(Buffer.byteLength(body)),
      'x-request-id': requestId,
      'cache-control': 'no-store',
      ...BASELINE_HEADERS,
      'referrer-policy': 'no-referrer',
      // RFC 6797 §7.1: the HSTS header on every response over TLS (a TLSSocket is `encrypted`).
      ...('encrypted' in socket && socket.encrypted === true ? { 'strict-transport-security': `max-age=${hstsMaxAge}` } : {}),
      connection: 'close',
    };
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    if (socket.writable) socket.write(`HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n${head}\r\n${body}`);
    socket.destroy(error);
  };
}

/** Request ids: a trusted proxy's X-Request-Id is kept (for end-to-end correlation), otherwise a UUID. */
export function requestIdGenerator(isTrustedProxy: (address: string | undefined) => boolean) {
  return (req: { headers: Record<string, string | string[] | undefined>; socket?: { remoteAddress?: string } }): string => {
    const given = req.headers['x-request-id'];
    if (typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) && isTrustedProxy(req.socket?.remoteAddress)) return given;
    return randomUUID();
  };
}
