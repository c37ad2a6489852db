import type { DomainConfig } from '../config/config.schema.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The configured domain this request's Host maps to (undefined on host-agnostic routes). */
    domain?: DomainConfig;
    /** True when the request arrived over TLS, directly or through a trusted proxy. */
    secure: boolean;
  }
}
