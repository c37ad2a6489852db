import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { affected } from '../database/query-shapes.js';
import { TrustGrant } from './trust-grant.entity.js';

/** SQL of the trust_grants table: at most one row per (user, realm), kept so by a unique constraint. */
@Injectable()
export class TrustGrantRepository {
  constructor(@InjectRepository(TrustGrant) private readonly grants: Repository<TrustGrant>) {}

  find(userId: string, realm: string): Promise<TrustGrant | null> {
    return this.grants.findOne({ where: { userId, realm } });
  }

  /**
   * Creates the grant, or replaces the fields of the existing one: one INSERT … ON CONFLICT, so
   * two concurrent "allow always" answers cannot make two rows or fail on the unique constraint.
   */
  async upsert(grant: Pick<TrustGrant, 'userId' | 'realm' | 'fields' | 'askedFields' | 'identifier'>, now: Date): Promise<void> {
    await this.grants
      .createQueryBuilder()
      .insert()
      .values({ ...grant, createdAt: now, lastUsedAt: now })
      .orUpdate(['fields', 'asked_fields', 'identifier', 'last_used_at'], ['user_id', 'realm'])
      .execute();
  }

  /** The user's "always allow" of an OpenID Connect client. */
  findOidc(userId: string, clientId: string): Promise<TrustGrant | null> {
    return this.grants.findOne({ where: { userId, kind: 'oidc', clientId } });
  }

  /** Creates or replaces an OpenID Connect client's grant (one per user and client, by its realm label). */
  async upsertOidc(grant: Pick<TrustGrant, 'userId' | 'realm' | 'clientId' | 'oidcGrantId' | 'fields' | 'askedFields'>, now: Date): Promise<void> {
    await this.grants
      .createQueryBuilder()
      .insert()
      .values({ ...grant, kind: 'oidc', createdAt: now, lastUsedAt: now })
      .orUpdate(['fields', 'asked_fields', 'oidc_grant_id', 'last_used_at'], ['user_id', 'realm'])
      .execute();
  }

  findOwned(userId: string, id: string): Promise<TrustGrant | null> {
    return this.grants.findOne({ where: { userId, id } });
  }

  /** Sets last_used_at of several grants in one UPDATE (never back in time; deleted ones are simply gone). */
  async markUsedMany(stamps: readonly { id: string; at: Date }[]): Promise<void> {
    if (stamps.length === 0) return;
    await this.grants.query(
      `UPDATE "trust_grants" AS g SET "last_used_at" = v.at
         FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, at)
        WHERE g."id" = v.id AND (g."last_used_at" IS NULL OR g."last_used_at" < v.at)`,
      [stamps.map((s) => s.id), stamps.map((s) => s.at.toISOString())],
    );
  }

  /** The user's grants, newest first. */
  listFor(userId: string): Promise<TrustGrant[]> {
    return this.grants.find({ where: { userId }, order: { createdAt: 'DESC' } });
  }

  /** Deletes one grant only if that user owns it; answers whether it did. */
  async deleteOwned(userId: string, id: string): Promise<boolean> {
    return affected(await this.grants.delete({ userId, id })) > 0;
  }
}
