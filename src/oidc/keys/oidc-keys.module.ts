import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OidcSigningKeys } from '../contracts.js';
import { OidcSigningKey } from './oidc-signing-key.entity.js';
import { OidcSigningKeyRepository } from './oidc-signing-key.repository.js';
import { OidcSigningKeysService } from './oidc-signing-keys.service.js';

/**
 * The OpenID Connect signing keys (OidcSigningKeys, src/oidc/contracts.ts). Needs CommonModule
 * (Clock), SecretsModule (KeyRing) and the configuration (oidc.keys), global in the application.
 */
@Module({
  imports: [TypeOrmModule.forFeature([OidcSigningKey])],
  providers: [OidcSigningKeyRepository, OidcSigningKeysService, { provide: OidcSigningKeys, useExisting: OidcSigningKeysService }],
  exports: [OidcSigningKeys, OidcSigningKeysService],
})
export class OidcKeysModule {}
