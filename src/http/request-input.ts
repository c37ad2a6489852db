import type { FastifyRequest } from 'fastify';
import type { DomainConfig } from '../config/config.schema.js';
import { statedLanguages, type StatedLanguages } from '../i18n/page-locale.js';

/** Who is asking, for the sign-in history. */
export interface ClientInfo {
  ip: string;
  userAgent: string | undefined;
  /**
   * The languages the browser states (the switcher's cookie, Accept-Language), for what is told
   * to the person later in their chat app (the OpenID bot's approval request and notices).
   * Absent when the browser states none.
   */
  languages?: StatedLanguages;
}

/** The client, for the sign-in history (request.ip honours X-Forwarded-For from trusted proxies only). */
export function clientInfo(request: FastifyRequest): ClientInfo {
  const ua = request.headers['user-agent'];
  const languages = statedLanguages(request.headers);
  const stated = languages.chosen !== undefined || languages.acceptLanguage !== undefined;
  return { ip: request.ip, userAgent: typeof ua === 'string' ? ua : undefined, ...(stated && { languages }) };
}

export function requireDomain(request: FastifyRequest): DomainConfig {
  // Set by the HTTP pipeline for every non-operational route (unknown hosts never get here).
  return request.domain!;
}
