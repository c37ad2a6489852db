import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../../common/tokens.js';
import { databaseConfig } from '../../config/namespaces.js';
import { schedulePruning } from '../../database/prune-schedule.js';
import { OidcStorage } from '../contracts.js';
import { OidcModel } from './oidc-model.entity.js';
import { OidcModelRepository } from './oidc-model.repository.js';
import { OidcStorageService } from './oidc-storage.service.js';

/**
 * oidc-provider's storage (OidcStorage, src/oidc/contracts.ts) in the oidc_models table. Expired
 * rows are deleted every database.prune_interval by every instance, like sessions and nonces.
 * Needs CommonModule (Clock) and SecretsModule (KeyRing), global in the application.
 */
@Module({
  imports: [TypeOrmModule.forFeature([OidcModel])],
  providers: [OidcModelRepository, OidcStorageService, { provide: OidcStorage, useExisting: OidcStorageService }],
  exports: [OidcStorage, OidcStorageService],
})
export class OidcStorageModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private stop: (() => void) | undefined;

  constructor(
    private readonly storage: OidcStorageService,
    @Inject(databaseConfig.KEY) private readonly database: ConfigType<typeof databaseConfig>,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.stop = schedulePruning(this.database.prune_interval, this.logger, { 'OpenID Connect models': () => this.storage.pruneExpired() });
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }
}
