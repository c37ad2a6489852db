import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import type { TrustGrant } from './trust-grant.entity.js';
import { TrustGrantRepository } from './trust-grant.repository.js';

/** The realms each user trusts always ("allow always" on the consent page). */
@Injectable()
export class TrustGrantsService {
  constructor(
    private readonly grants: TrustGrantRepository,
    private readonly clock: Clock,
  ) {}

  find(userId: string, realm: string): Promise<TrustGrant | null> {
    return this.grants.find(userId, realm);
  }

  /** Creates or replaces the grant (one per user and realm). */
  grant(userId: string, realm: string, fields: string[] = [], askedFields: string[] = fields): Promise<void> {
    return this.grants.upsert({ userId, realm, fields, askedFields }, this.clock.now());
  }

  markUsed(grant: TrustGrant): Promise<void> {
    return this.grants.markUsed(grant.id, this.clock.now());
  }

  list(userId: string): Promise<TrustGrant[]> {
    return this.grants.listFor(userId);
  }

  revoke(userId: string, id: string): Promise<boolean> {
    return this.grants.deleteOwned(userId, id);
  }
}
