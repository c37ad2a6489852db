import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../common/tokens.js';
import { databaseConfig } from '../config/namespaces.js';
import { schedulePruning } from '../database/prune-schedule.js';
import { AuditEvent } from './audit.entity.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';

/** The sign-in history: what happened to an account, written by every flow, shown to its owner. */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent])],
  providers: [AuditRepository, AuditService],
  exports: [AuditService],
})
export class AuditModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private stop: (() => void) | undefined;

  constructor(
    private readonly audit: AuditService,
    @Inject(databaseConfig.KEY) private readonly database: ConfigType<typeof databaseConfig>,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    // History past database.audit_retention is deleted by every instance, like expired rows.
    this.stop = schedulePruning(this.database.prune_interval, this.logger, { 'sign-in history': () => this.audit.prune() });
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }
}
