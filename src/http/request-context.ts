import type { DomainConfig } from '../config/config.schema.js';

/** What the OpenID endpoint tells the error responder about the request being answered. */
export interface OpenIdRequestContext {
  /** Direct requests (associate, check_authentication) get key-value errors (OpenID 2.0 §5.1.2.2). */
  direct: boolean;
  /** OpenID 2.0 (openid.ns present) or 1.x: 1.x error responses carry no openid.ns (§14.2.1). */
  version: '2.0' | '1.x';
  /** A return_to that passed realm verification: only then may an indirect error go there (§5.2.3). */
  verifiedReturnTo?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The configured domain this request's Host maps to (undefined on host-agnostic routes). */
    domain?: DomainConfig;
    /** Set by the OpenID endpoint once it knows what kind of request it is answering. */
    openid?: OpenIdRequestContext;
    /** True when the request arrived over TLS, directly or through a trusted proxy. */
    secure: boolean;
  }
}
