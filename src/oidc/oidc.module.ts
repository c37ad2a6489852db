import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module.js';
import { OIDC_BINDINGS } from './dev-bindings.js';
import { OidcMount } from './oidc-mount.js';
import { OidcProviders } from './oidc-providers.js';

/**
 * OpenID Connect beside OpenID 2.0 (issue 12): one oidc-provider instance per domain, mounted in
 * our Fastify application under /oidc/ and /.well-known/openid-configuration.
 */
@Module({
  imports: [UsersModule],
  // OIDC_BINDINGS: OidcStorage and OidcSigningKeys (contracts.ts), temporary (dev-bindings.ts).
  providers: [...OIDC_BINDINGS, OidcProviders, OidcMount],
  exports: [OidcProviders],
})
export class OidcModule {}
