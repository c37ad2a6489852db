import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../common/tokens.js';
import { Clock } from '../common/clock.js';
import { AssociationRepository } from './association.repository.js';

const PRUNE_EVERY_MS = 10 * 60 * 1000;

/** Deletes expired associations and nonces now and then (any instance may do it; it is idempotent). */
@Injectable()
export class AssociationPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: AssociationRepository,
    private readonly clock: Clock,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
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
