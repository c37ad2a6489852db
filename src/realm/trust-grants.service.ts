import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { ROOT_LOGGER } from '../common/tokens.js';
import { WriteBehind } from '../database/write-behind.js';
import type { TrustGrant } from './trust-grant.entity.js';
import { TrustGrantRepository } from './trust-grant.repository.js';

interface Stamp {
  readonly id: string;
  readonly at: Date;
}

/**
 * The realms each user trusts always ("allow always" on the consent page). "Last used" stamps are
 * written behind the assertion (src/database/write-behind.ts), one per grant per batch.
 */
@Injectable()
export class TrustGrantsService implements BeforeApplicationShutdown {
  private readonly stamps: WriteBehind<Stamp>;

  constructor(
    private readonly grants: TrustGrantRepository,
    private readonly clock: Clock,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.stamps = new WriteBehind<Stamp>({
      write: (batch) => this.grants.markUsedMany(batch),
      logger,
      what: 'trust grant last-used stamps',
      merge: (queue, stamp) => {
        const index = queue.findIndex((s) => s.id === stamp.id);
        if (index === -1) queue.push(stamp);
        else if (queue[index]!.at < stamp.at) queue[index] = stamp;
      },
    });
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stamps.flush();
  }

  find(userId: string, realm: string): Promise<TrustGrant | null> {
    return this.grants.find(userId, realm);
  }

  /** Creates or replaces the grant (one per user and realm). */
  grant(userId: string, realm: string, fields: string[] = [], askedFields: string[] = fields): Promise<void> {
    return this.grants.upsert({ userId, realm, fields, askedFields }, this.clock.now());
  }

  /** Stamps the grant as used now (queued: it never holds up the assertion). */
  markUsed(grant: TrustGrant): Promise<void> {
    this.stamps.add({ id: grant.id, at: this.clock.now() });
    return Promise.resolve();
  }

  async list(userId: string): Promise<TrustGrant[]> {
    await this.stamps.flush();
    return this.grants.listFor(userId);
  }

  revoke(userId: string, id: string): Promise<boolean> {
    return this.grants.deleteOwned(userId, id);
  }
}
