import type { FastifyRequest } from 'fastify';
import { AppError } from '../http/app-error.js';
import { text } from '../i18n/locale.js';
import { clientInfo, type ClientInfo } from '../http/request-input.js';
import { OPENID_PREFIX } from '../protocol/consts.js';
import { readSessionToken } from './session/session-cookies.js';

// The OpenID endpoint's input: what the controller reads off the HTTP request and hands to the
// EndpointService as plain values. No DTO here: an openid.* message is screened by the input step
// (src/protocol/input-limits.ts) and parsed by its own parser (§4.1.2: prefixes, namespaces,
// duplicates), which a class-validator DTO cannot express.

/**
 * The openid.* pairs of a GET query, duplicates kept (the message parser refuses them, §4.1),
 * and whether the query names `xrds` (our X-XRDS-Location): one parse of the query for both.
 */
export function queryPairs(request: FastifyRequest): { pairs: [string, string][]; xrds: boolean } {
  const q = request.url.indexOf('?');
  const pairs: [string, string][] = [];
  let xrds = false;
  if (q < 0) return { pairs, xrds };
  for (const [key, value] of new URLSearchParams(request.url.slice(q + 1))) {
    if (key.startsWith(OPENID_PREFIX)) pairs.push([key, value]);
    else if (key === 'xrds') xrds = true;
  }
  return { pairs, xrds };
}

/** The openid.* pairs of a form-encoded POST body; a repeated field arrives as an array and stays repeated. */
export function bodyPairs(request: FastifyRequest): [string, string][] {
  const body = request.body;
  if (body === undefined || body === null) return [];
  // OpenID 2.0 §4.1.2: POSTed messages are application/x-www-form-urlencoded.
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded' || typeof body !== 'object') {
    throw new AppError('unsupported_media_type', 415, text('errors.unsupported_media_type.openid.title'), text('errors.unsupported_media_type.openid.detail'), { unreadMessage: true });
  }
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (!key.startsWith(OPENID_PREFIX)) continue;
    for (const v of Array.isArray(value) ? value : [value]) pairs.push([key, String(v)]);
  }
  return pairs;
}

/** One request to {base}/openid, as plain values. */
export interface EndpointRequest {
  /** GET, HEAD (answered as GET) or POST. */
  readonly method: string;
  /** openid.* pairs of the URL. */
  readonly query: [string, string][];
  /** openid.* pairs of a POSTed body (none for GET). */
  readonly body: [string, string][];
  readonly accept: string | undefined;
  /** `?xrds`: our X-XRDS-Location asks for the XRDS whatever the Accept header. */
  readonly forceXrds: boolean;
  /** Over TLS (directly or through a trusted proxy): no-encryption associations need it (§8.4.1). */
  readonly secure: boolean;
  readonly client: ClientInfo;
  readonly sessionToken: string | undefined;
}

export function endpointRequest(request: FastifyRequest): EndpointRequest {
  const query = queryPairs(request);
  return {
    method: request.method,
    query: query.pairs,
    body: request.method === 'POST' ? bodyPairs(request) : [],
    accept: request.headers.accept,
    forceXrds: query.xrds,
    secure: request.secure,
    client: clientInfo(request),
    sessionToken: readSessionToken(request),
  };
}
