import type { FastifyRequest } from 'fastify';
import { AppError } from '../http/app-error.js';
import { OPENID_PREFIX } from '../protocol/consts.js';

/** The openid.* pairs of a GET query, duplicates kept (the message parser refuses them, §4.1). */
export function queryPairs(request: FastifyRequest): [string, string][] {
  const q = request.url.indexOf('?');
  if (q < 0) return [];
  return [...new URLSearchParams(request.url.slice(q + 1))].filter(([k]) => k.startsWith(OPENID_PREFIX));
}

/** The openid.* pairs of a form-encoded POST body; a repeated field arrives as an array and stays repeated. */
export function bodyPairs(request: FastifyRequest): [string, string][] {
  const body = request.body;
  if (body === undefined || body === null) return [];
  // OpenID 2.0 §4.1.2: POSTed messages are application/x-www-form-urlencoded.
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded' || typeof body !== 'object') {
    throw new AppError('unsupported_media_type', 415, 'Unsupported body', 'OpenID messages are POSTed as application/x-www-form-urlencoded.');
  }
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (!key.startsWith(OPENID_PREFIX)) continue;
    for (const v of Array.isArray(value) ? value : [value]) pairs.push([key, String(v)]);
  }
  return pairs;
}
