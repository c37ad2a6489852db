import type { FastifyRequest } from 'fastify';
import type { DomainConfig } from '../config/config.schema.js';

/** Who is asking, for the sign-in history. */
export interface ClientInfo {
  ip: string;
  userAgent: string | undefined;
}

/** The client, for the sign-in history (request.ip honours X-Forwarded-For from trusted proxies only). */
export function clientInfo(request: FastifyRequest): ClientInfo {
  const ua = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof ua === 'string' ? ua : undefined };
}

export function requireDomain(request: FastifyRequest): DomainConfig {
  // Set by the HTTP pipeline for every non-operational route (unknown hosts never get here).
  return request.domain!;
}
