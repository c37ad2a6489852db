import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';

// oidc-provider (a Koa application) sees the raw Node request; what our pipeline knew about it
// (request id, domain, HTTPS) stays reachable from the Koa context through this link.

const links = new WeakMap<IncomingMessage, FastifyRequest>();

export function linkRequest(request: FastifyRequest): void {
  links.set(request.raw, request);
}

/** The request id our pipeline gave this request (quoted on error pages), or `unknown`. */
export function requestIdOf(raw: IncomingMessage): string {
  const request = links.get(raw);
  return request === undefined ? 'unknown' : String(request.id);
}

export function fastifyRequestOf(raw: IncomingMessage): FastifyRequest | undefined {
  return links.get(raw);
}
