import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { And, In, LessThan, MoreThanOrEqual, type FindOperator, type FindOptionsWhere, type Repository } from 'typeorm';
import { deleteInBatches } from '../database/query-shapes.js';
import type { AuditQuery } from './audit-query.js';
import { AuditEvent } from './audit.entity.js';

/** SQL of the audit_events table: appended to, read newest first, never changed; deleted once past retention. */
@Injectable()
export class AuditRepository {
  constructor(@InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>) {}

  /** One multi-row INSERT. */
  async appendMany(events: readonly Omit<AuditEvent, 'id'>[]): Promise<void> {
    if (events.length === 0) return;
    // One statement whatever the batch size, with seven array parameters: the query builder's
    // multi-row VALUES costs time quadratic in the rows (it looks up each parameter name).
    await this.events.query(
      `INSERT INTO "audit_events" ("kind", "domain", "user_id", "realm", "ip", "user_agent", "created_at")
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::uuid[], $4::varchar[], $5::varchar[], $6::varchar[], $7::timestamptz[])`,
      [
        events.map((e) => e.kind),
        events.map((e) => e.domain),
        events.map((e) => e.userId),
        events.map((e) => e.realm),
        events.map((e) => e.ip),
        events.map((e) => e.userAgent),
        events.map((e) => (e.createdAt ?? new Date()).toISOString()),
      ],
    );
  }

  /** The user's latest events, newest first (id breaks ties within one timestamp). */
  countAssertions(userId: string, realm: string): Promise<number> {
    return this.events.count({ where: { userId, realm: realm.slice(0, 2048), kind: In(['assertion_approved', 'assertion_approved_automatically']) } });
  }

  recentFor(userId: string, limit: number): Promise<AuditEvent[]> {
    return this.events.find({ where: { userId }, order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
  }

  /** Events matching `query`, newest first (audit_events_user_created_idx or audit_events_created_at_idx). */
  search(query: AuditQuery): Promise<AuditEvent[]> {
    const where: FindOptionsWhere<AuditEvent> = {};
    if (query.userId !== undefined) where.userId = query.userId;
    if (query.domain !== undefined) where.domain = query.domain;
    if (query.kinds !== undefined) where.kind = In([...query.kinds]);
    const bounds: FindOperator<Date>[] = [];
    if (query.since !== undefined) bounds.push(MoreThanOrEqual(query.since));
    if (query.until !== undefined) bounds.push(LessThan(query.until));
    if (bounds.length > 0) where.createdAt = bounds.length === 1 ? bounds[0]! : And(...bounds);
    return this.events.find({ where, order: { createdAt: 'DESC', id: 'DESC' }, take: query.limit });
  }

  /** Deletes the events older than `cutoff`, in batches (audit_events_created_at_idx); answers how many went. */
  pruneBefore(cutoff: Date): Promise<number> {
    return deleteInBatches(this.events, 'audit_events', `"created_at" < $1`, [cutoff.toISOString()]);
  }
}
