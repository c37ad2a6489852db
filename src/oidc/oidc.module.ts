import { Module } from '@nestjs/common';
import { SessionModule } from '../auth/session/session.module.js';
import { SregModule } from '../sreg/sreg.module.js';
import { TrustModule } from '../realm/trust.module.js';
import { UsersModule } from '../users/users.module.js';
import { InteractionController } from './interactions/interaction.controller.js';
import { InteractionService } from './interactions/interaction.service.js';
import { OIDC_BINDINGS } from './dev-bindings.js';
import { OidcMount } from './oidc-mount.js';
import { OidcProviders } from './oidc-providers.js';

/**
 * OpenID Connect beside OpenID 2.0 (issue 12): one oidc-provider instance per domain, mounted in
 * our Fastify application under /oidc/ and /.well-known/openid-configuration.
 */
@Module({
  imports: [UsersModule, SessionModule, SregModule, TrustModule],
  controllers: [InteractionController],
  // OIDC_BINDINGS: OidcStorage and OidcSigningKeys (contracts.ts), temporary (dev-bindings.ts).
  providers: [...OIDC_BINDINGS, OidcProviders, OidcMount, InteractionService],
  exports: [OidcProviders],
})
export class OidcModule {}
