import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../common/tokens.js';
import { Clock } from '../common/clock.js';
import { databaseConfig } from '../config/namespaces.js';
import { schedulePruning } from '../database/prune-schedule.js';
import { AssociationRepository } from './association.repository.js';

/** Deletes expired associations and nonces every database.prune_interval (any instance may do it; it is idempotent). */
@Injectable()
export class AssociationPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private stop: (() => void) | undefined;

  constructor(
    private readonly repository: AssociationRepository,
    private readonly clock: Clock,
    @Inject(databaseConfig.KEY) private readonly database: ConfigType<typeof databaseConfig>,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.stop = schedulePruning(this.database.prune_interval, this.logger, { 'associations and nonces': () => this.prune() });
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }

  async prune(): Promise<void> {
    try {
      const removed = await this.repository.pruneExpiredBefore(this.clock.now());
      if (removed.associations + removed.nonces > 0) this.logger.debug({ ...removed }, 'pruned expired associations and nonces');
    } catch (error) {
      this.logger.warn({ err: error }, 'pruning expired associations failed');
    }
  }
}
