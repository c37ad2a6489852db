import type { FastifyReply, FastifyRequest } from 'fastify';
import { OPENID_PREFIX } from '../protocol/consts.js';
import { sendPage } from '../http/pages.js';
import { formPostPage, donePage } from './pages/auth-pages.js';
import type { Outcome } from './checkid/outcome.js';
import type { CheckidContext, ClientInfo } from './checkid/checkid-context.js';
import type { CheckidService } from './checkid/checkid.service.js';
import { AppError } from '../http/app-error.js';
import type { DomainConfig } from '../config/config.schema.js';

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

/** A single string field of a form body (an array or a missing field answers undefined). */
export function formField(request: FastifyRequest, name: string): string | undefined {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** The client, for the sign-in history (request.ip honours X-Forwarded-For from trusted proxies only). */
export function clientInfo(request: FastifyRequest): ClientInfo {
  const ua = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof ua === 'string' ? ua : undefined };
}

/** The parked request behind a login, consent or /continue page; its errors answer as an indirect request. */
export function resumeRequest(checkid: CheckidService, request: FastifyRequest, requestId: unknown): Promise<CheckidContext> {
  request.openid = { direct: false, version: '2.0' };
  return checkid.resume(requireDomain(request), requestId, request.openid, clientInfo(request));
}

export function requireDomain(request: FastifyRequest): DomainConfig {
  // Set by the HTTP pipeline for every non-operational route (unknown hosts never get here).
  return request.domain!;
}

/** Answers the browser with the outcome of a checkid step. */
export function sendOutcome(request: FastifyRequest, reply: FastifyReply, outcome: Outcome): void {
  switch (outcome.kind) {
    case 'redirect':
      // OpenID 2.0 §5.2.1: an HTTP redirect; 303 after a POST so the browser follows with GET.
      reply.header('cache-control', 'no-store').redirect(outcome.location, request.method === 'POST' ? 303 : 302);
      return;
    case 'form-post':
      sendPage(reply, 200, formPostPage(outcome.action, outcome.fields));
      return;
    case 'done':
      sendPage(reply, 200, donePage(outcome.realm, outcome.approved));
      return;
  }
}
