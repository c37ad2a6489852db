import { Module } from '@nestjs/common';
import { FactorsModule } from '../auth/factors/factors.module.js';
import { SessionModule } from '../auth/session/session.module.js';
import { SregModule } from '../sreg/sreg.module.js';
import { RealmModule } from '../realm/realm.module.js';
import { TrustModule } from '../realm/trust.module.js';
import { UsersModule } from '../users/users.module.js';
import { InteractionController } from './interactions/interaction.controller.js';
import { InteractionService } from './interactions/interaction.service.js';
import { OidcSignInTargets } from './interactions/sign-in-target.js';
import { OidcKeysModule } from './keys/oidc-keys.module.js';
import { OidcMount } from './oidc-mount.js';
import { OidcProviders } from './oidc-providers.js';
import { OidcStorageModule } from './storage/oidc-storage.module.js';

/**
 * OpenID Connect beside OpenID 2.0 (issue 12): one oidc-provider instance per domain, mounted in
 * our Fastify application under /oidc/ and /.well-known/openid-configuration.
 */
@Module({
  // OidcStorage and OidcSigningKeys (contracts.ts): PostgreSQL (or the embedded database) through TypeORM.
  imports: [UsersModule, SessionModule, SregModule, RealmModule, TrustModule, OidcStorageModule, OidcKeysModule, FactorsModule],
  controllers: [InteractionController],
  providers: [OidcProviders, OidcMount, InteractionService, OidcSignInTargets],
  // OidcSignInTargets: the login page and the chat app's confirm request name the application (src/auth).
  exports: [OidcProviders, OidcSignInTargets],
})
export class OidcModule {}
