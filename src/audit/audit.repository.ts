import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { AuditEvent } from './audit.entity.js';

/** SQL of the audit_events table: appended to, read newest first, never changed. */
@Injectable()
export class AuditRepository {
  constructor(@InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>) {}

  /** One multi-row INSERT. */
  async appendMany(events: readonly Omit<AuditEvent, 'id'>[]): Promise<void> {
    if (events.length > 0) await this.events.insert([...events]);
  }

  /** The user's latest events, newest first (id breaks ties within one timestamp). */
  countAssertions(userId: string, realm: string): Promise<number> {
    return this.events.count({ where: { userId, realm: realm.slice(0, 2048), kind: In(['assertion_approved', 'assertion_approved_automatically']) } });
  }

  recentFor(userId: string, limit: number): Promise<AuditEvent[]> {
    return this.events.find({ where: { userId }, order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
  }
}
