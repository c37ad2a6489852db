import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { DomainConfig } from '../config/config.schema.js';

// oidc-provider (a Koa application) sees the raw Node request; what our pipeline knew about it
// (request id, domain, HTTPS) stays reachable from the Koa context through this link.

const links = new WeakMap<IncomingMessage, FastifyRequest>();

/** The request id our pipeline gave this request (quoted on error pages), or `unknown`. */
export function requestIdOf(raw: IncomingMessage): string {
  const request = links.get(raw);
  return request === undefined ? 'unknown' : String(request.id);
}

export function fastifyRequestOf(raw: IncomingMessage): FastifyRequest | undefined {
  return links.get(raw);
}

const FORWARDED = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'forwarded'] as const;

/**
 * Readies the raw request for oidc-provider (provider.proxy = true, so Koa believes these
 * headers): they say what our pipeline decided, which honoured X-Forwarded-* from trusted proxies
 * only, whatever the client sent. The host is the configured one, so that every URL Koa builds
 * starts with the issuer. Fastify's parsed form or JSON body goes to req.body, which oidc-provider
 * reads when the stream is consumed (lib/shared/selective_body.js).
 */
export function prepareForKoa(request: FastifyRequest, domain: DomainConfig): IncomingMessage {
  const raw = request.raw;
  links.set(raw, request);
  if (request.body !== undefined) (raw as IncomingMessage & { body?: unknown }).body = request.body;
  for (const name of FORWARDED) delete raw.headers[name];
  raw.headers['x-forwarded-proto'] = request.secure ? 'https' : 'http';
  raw.headers['x-forwarded-host'] = new URL(domain.base_url).host;
  raw.headers['x-forwarded-for'] = request.ip;
  return raw;
}
