import { HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../database/database-errors.js';
import { OpenIdError } from '../protocol/errors.js';
import { acceptQuality } from './accept.js';
import { AppError } from './app-error.js';
import { errorPage } from './error-page.js';
import { inEnglish, renderIn, text, type Text } from '../i18n/locale.js';
import { replyLocale, sendPage } from './pages.js';
import { encodeDirectError, encodeDirectErrorMessage, indirectErrorLocation } from './openid-error-encoding.js';

/** The OP endpoint (DESIGN.md): where a POST that never became an OpenID message is still a direct request. */
export const OPENID_ENDPOINT_PATH = '/openid';

// The single place where an error becomes a response (STYLE.md §3):
//   - OpenID direct request            → HTTP 400, key-value body (OpenID 2.0 §5.1.2.2)
//   - OpenID indirect request, return_to verified, error allowed to travel
//                                      → redirect with openid.mode=error (§5.2.3)
//   - OpenID indirect request otherwise → HTML error page, never a redirect
//   - everything else                  → application/problem+json (RFC 9457) or HTML for browsers
// Internal text never reaches the wire: unknown errors answer a generic message and the request id.

export const PROBLEM_TYPE_BASE = 'urn:openid-provider:problem:';

interface Described {
  status: number;
  code: string;
  /** Catalogue texts render in the reader's language (page or problem document); English in logs and OpenID errors. */
  title: string | Text;
  detail: string | Text;
  headers: Readonly<Record<string, string>>;
  /** RFC 9457 §3.2 extension members. */
  members: Readonly<Record<string, unknown>>;
}

/** The HTTP-level refusals (Nest's and Fastify's own), by status: our code, its catalogue title and detail. */
const STATUS_CODES: Readonly<Record<number, { code: string; title: Text; detail: Text }>> = {
  400: { code: 'bad_request', title: text('errors.bad_request.title'), detail: text('errors.bad_request.detail') },
  401: { code: 'unauthorized', title: text('errors.unauthorized.title'), detail: text('errors.unauthorized.detail') },
  403: { code: 'forbidden', title: text('errors.forbidden.title'), detail: text('errors.forbidden.detail') },
  404: { code: 'not_found', title: text('errors.not_found.title'), detail: text('errors.not_found.detail') },
  405: { code: 'method_not_allowed', title: text('errors.method_not_allowed.title'), detail: text('errors.method_not_allowed.detail') },
  406: { code: 'not_acceptable', title: text('errors.not_acceptable.title'), detail: text('errors.not_acceptable.detail') },
  408: { code: 'request_timeout', title: text('errors.request_timeout.title'), detail: text('errors.request_timeout.detail') },
  411: { code: 'length_required', title: text('errors.length_required.title'), detail: text('errors.length_required.detail') },
  413: { code: 'payload_too_large', title: text('errors.payload_too_large.title'), detail: text('errors.payload_too_large.detail') },
  414: { code: 'uri_too_long', title: text('errors.uri_too_long.title'), detail: text('errors.uri_too_long.detail') },
  415: { code: 'unsupported_media_type', title: text('errors.unsupported_media_type.title'), detail: text('errors.unsupported_media_type.detail') },
  429: { code: 'too_many_requests', title: text('errors.too_many_requests.title'), detail: text('errors.too_many_requests.detail') },
  431: { code: 'headers_too_large', title: text('errors.headers_too_large.title'), detail: text('errors.headers_too_large.detail') },
  503: { code: 'service_unavailable', title: text('errors.service_unavailable.title'), detail: text('errors.service_unavailable.detail') },
};

const INTERNAL_ERROR = { code: 'internal_error', title: text('errors.internal_error.title'), detail: text('errors.internal_error.detail') } as const;

/**
 * What a person reads about an OpenID error (on the error page, or a problem document): a
 * translated explanation by its code, and the protocol's own message, which stays English because
 * it is also what openid.error carries to the RP, for machines and the site's developers.
 */
const OPENID_EXPLANATIONS: Readonly<Record<string, Text>> = {
  invalid_request: text('errors.openid.invalid_request'),
  message_too_large: text('errors.openid.message_too_large'),
  forbidden_character: text('errors.openid.forbidden_character'),
  unsupported_mode: text('errors.openid.unsupported_mode'),
  unsupported_type: text('errors.openid.unsupported_type'),
  invalid_return_to: text('errors.openid.invalid_return_to'),
  invalid_realm: text('errors.openid.invalid_realm'),
  rate_limited: text('errors.openid.rate_limited'),
  unknown_identifier: text('errors.openid.unknown_identifier'),
  claimed_id_mismatch: text('errors.openid.claimed_id_mismatch'),
};

function openIdDetail(error: OpenIdError): Text {
  return text('errors.openid.detail', { explanation: OPENID_EXPLANATIONS[error.code] ?? text('errors.openid.other'), message: error.message });
}

function describe(error: unknown): Described {
  if (error instanceof AppError) {
    return { status: error.status, code: error.code, title: error.title, detail: error.publicDetail, headers: error.headers, members: error.members };
  }
  if (error instanceof OpenIdError) {
    return { status: error.status, code: error.code, title: text('errors.openid.title'), detail: openIdDetail(error), headers: error.headers, members: {} };
  }
  // Nest's own exceptions (unmatched routes, pipes) and Fastify's (body parsing, size limits)
  // carry a 4xx status; their messages are written for clients.
  const status = error instanceof HttpException ? error.getStatus() : statusOf(error);
  if (status !== undefined && status >= 400 && status < 500) {
    // Their own messages are English and about the library's internals: people get the status's
    // own words (an RP's library still gets the message, below).
    const { code, title, detail } = STATUS_CODES[status] ?? STATUS_CODES[400]!;
    return { status, code, title, detail, headers: {}, members: {} };
  }
  if (isDatabaseUnavailable(error)) {
    // RFC 9110 §15.6.4: 503 with Retry-After: the request may succeed later, unchanged. Nothing
    // was decided without the database (no assertion, no sign-in), so the client may retry.
    return {
      status: 503,
      code: 'database_unavailable',
      title: text('errors.database_unavailable.title'),
      detail: text('errors.database_unavailable.detail'),
      headers: { 'retry-after': '5' },
      members: {},
    };
  }
  return { status: 500, ...INTERNAL_ERROR, headers: {}, members: {} };
}

function statusOf(error: unknown): number | undefined {
  const s = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

/** The English message of an error (Nest's body or message, Fastify's message, an AppError's detail in English). */
function libraryMessage(error: unknown): string | undefined {
  if (error instanceof HttpException) {
    const body = error.getResponse();
    if (typeof body === 'string') return body;
    const message = (body as { message?: unknown }).message;
    if (Array.isArray(message)) return message.join('; ');
    if (typeof message === 'string') return message;
    return undefined;
  }
  return error instanceof Error ? error.message : undefined;
}

/** A 4xx raised while reading the request body (Fastify's parsing, size and type limits; the endpoint's own type check), not a refusal by the service. */
function isParserRefusal(error: unknown, described: Described): boolean {
  if (error instanceof AppError) return error.unreadMessage;
  return !(error instanceof OpenIdError) && described.status >= 400 && described.status < 500;
}

/** A POST to the OP endpoint (its path, whatever the query). */
function isEndpointPost(request: FastifyRequest): boolean {
  if (request.method !== 'POST') return false;
  const q = request.url.indexOf('?');
  return (q === -1 ? request.url : request.url.slice(0, q)) === OPENID_ENDPOINT_PATH;
}

/** Whether the client names HTML in its Accept header (a browser posting a form does; RP libraries do not). */
function acceptsHtml(request: FastifyRequest): boolean {
  return acceptQuality(request.headers.accept, ['text/html', 'application/xhtml+xml']) > 0;
}

/** Whether the client prefers an HTML page over a machine-readable body (Accept negotiation). */
export function prefersHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  const html = acceptQuality(accept, ['text/html', 'application/xhtml+xml']);
  return html > 0 && html >= acceptQuality(accept, ['application/json', 'application/problem+json'], true);
}

/**
 * Answers `error` on `reply` (every error of the service comes here once). If answering fails
 * itself (a bug in a page template, a header Fastify refuses), the client still gets a
 * structured 500 with the request id instead of Fastify's bare one, and both errors are logged.
 */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown, logger: Logger): void {
  try {
    respond(request, reply, error, logger);
  } catch (failure) {
    logger.error({ reqId: request.id, err: failure, cause: error }, 'error response failed');
    if (reply.sent) return;
    try {
      reply.code(500).headers({ 'content-type': 'application/problem+json', 'cache-control': 'no-store' });
      reply.send(problemDocument({ status: 500, ...INTERNAL_ERROR }, String(request.id)));
    } catch {
      // The reply cannot be written at all (its socket is gone): nothing left to tell the client.
    }
  }
}

function respond(request: FastifyRequest, reply: FastifyReply, error: unknown, logger: Logger): void {
  const described = describe(error);
  const requestId = String(request.id);
  logError(logger, request, error, described);
  if (reply.sent) return;

  reply.headers(described.headers);
  reply.header('cache-control', 'no-store');
  // Set by the flow that knew the request (src/protocol/errors.ts ErrorAnswer).
  const answer = error instanceof OpenIdError ? error.answer : undefined;

  if (error instanceof OpenIdError && answer) {
    if (answer.direct) {
      // OpenID 2.0 §5.1.2.2: direct error responses are HTTP 400 with a key-value body.
      reply.code(400).type('text/plain; charset=utf-8').send(encodeDirectError(error, answer.version));
      return;
    }
    if (error.allowRedirect && answer.verifiedReturnTo) {
      // OpenID 2.0 §5.2.3: indirect errors go to the verified return_to as openid.mode=error.
      reply.redirect(indirectErrorLocation(answer.verifiedReturnTo, error, answer.version), 302);
      return;
    }
  }

  if (isParserRefusal(error, described) && isEndpointPost(request) && !acceptsHtml(request)) {
    // OpenID 2.0 §5.1.2.2: an RP's direct POST to the endpoint that never became a message (a
    // body over the size limit, a content type other than form encoding) still gets the direct
    // error answer every RP library parses: HTTP 400 with a key-value body. The version is
    // unknown (nothing was read), so it is 2.0's, with ns. The service's own refusals (no TLS,
    // an unknown host, rate limits) keep their status and problem document.
    // The error text is for the RP's library and its developers, machines: English, the parser's
    // own message where it has one.
    reply.code(400).type('text/plain; charset=utf-8').send(encodeDirectErrorMessage(libraryMessage(error) ?? inEnglish(described.detail)));
    return;
  }
  if (prefersHtml(request) || (answer && !answer.direct)) {
    sendPage(reply, described.status, errorPage({ ...described, requestId }, answer?.popup === true));
    return;
  }
  // RFC 9457 §3.1.4/§3.1.5: title and detail are for people, so they come in the reader's language.
  const locale = replyLocale(reply);
  reply
    .code(described.status)
    .type('application/problem+json')
    .header('content-language', locale.lang)
    .send(renderIn(locale, () => problemDocument(described, requestId)));
}

/** RFC 9457 §3: problem details, with our stable code and the request id as extension members. */
export function problemDocument(problem: Pick<Described, 'status' | 'code' | 'title' | 'detail'> & { members?: Described['members'] }, requestId: string): string {
  return JSON.stringify({
    type: `${PROBLEM_TYPE_BASE}${problem.code}`,
    title: String(problem.title),
    status: problem.status,
    detail: String(problem.detail),
    code: problem.code,
    requestId,
    ...problem.members,
  });
}

function logError(logger: Logger, request: FastifyRequest, error: unknown, described: Described): void {
  const fields = { reqId: request.id, code: described.code, status: described.status, method: request.method, route: request.routeOptions?.url };
  if (described.code === 'database_unavailable') {
    // One line per request while the database is away: what failed, never the statement or its
    // parameters (a QueryFailedError carries both).
    logger.warn({ ...fields, cause: databaseCause(error) }, 'request failed: database unavailable');
  } else if (described.status >= 500) {
    logger.error({ ...fields, err: error }, 'request failed');
  } else {
    const detail = error instanceof AppError || error instanceof OpenIdError ? error.detail : undefined;
    logger.info({ ...fields, ...(detail ? { detail } : {}) }, 'request refused');
  }
}

/** The driver's code and message of a database failure, without the query or its parameters. */
function databaseCause(error: unknown): { code?: string; message?: string } {
  const inner = (error as { driverError?: unknown }).driverError ?? error;
  const code = (inner as { code?: unknown }).code;
  const message = (inner as { message?: unknown }).message;
  return { ...(typeof code === 'string' ? { code } : {}), ...(typeof message === 'string' ? { message: message.slice(0, 200) } : {}) };
}
