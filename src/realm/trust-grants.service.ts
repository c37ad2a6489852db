import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Clock } from '../common/clock.js';
import { TrustGrant } from './trust-grant.entity.js';

/** The realms each user trusts always ("allow always" on the consent page). */
@Injectable()
export class TrustGrantsService {
  constructor(
    @InjectRepository(TrustGrant) private readonly grants: Repository<TrustGrant>,
    private readonly clock: Clock,
  ) {}

  find(userId: string, realm: string): Promise<TrustGrant | null> {
    return this.grants.findOne({ where: { userId, realm } });
  }

  /** Creates or replaces the grant (one per user and realm). */
  async grant(userId: string, realm: string, fields: string[] = [], askedFields: string[] = fields): Promise<void> {
    const now = this.clock.now();
    await this.grants
      .createQueryBuilder()
      .insert()
      .values({ userId, realm, fields, askedFields, createdAt: now, lastUsedAt: now })
      .orUpdate(['fields', 'asked_fields', 'last_used_at'], ['user_id', 'realm'])
      .execute();
  }

  async markUsed(grant: TrustGrant): Promise<void> {
    await this.grants.update({ id: grant.id }, { lastUsedAt: this.clock.now() });
  }

  list(userId: string): Promise<TrustGrant[]> {
    return this.grants.find({ where: { userId }, order: { createdAt: 'DESC' } });
  }

  async revoke(userId: string, id: string): Promise<boolean> {
    const result = await this.grants.delete({ userId, id });
    return (result.affected ?? 0) > 0;
  }
}
