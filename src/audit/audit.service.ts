import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import type { Repository } from 'typeorm';
import { Clock } from '../common/clock.js';
import { ROOT_LOGGER } from '../common/tokens.js';
import { AuditEvent, type AuditKind } from './audit.entity.js';

export interface AuditInput {
  kind: AuditKind;
  domain: string;
  userId?: string | null;
  realm?: string | null;
  ip?: string;
  userAgent?: string;
}

/** The sign-in history: written on every login and answer to a relying party, shown to its owner. */
@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
    private readonly clock: Clock,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** Never fails the request it describes: a lost audit line is logged, not thrown. */
  async record(input: AuditInput): Promise<void> {
    try {
      await this.events.insert({
        kind: input.kind,
        domain: input.domain,
        userId: input.userId ?? null,
        realm: input.realm?.slice(0, 2048) ?? null,
        ip: input.ip?.slice(0, 45) ?? null,
        userAgent: input.userAgent?.slice(0, 512) ?? null,
        createdAt: this.clock.now(),
      });
    } catch (error) {
      this.logger.warn({ err: error, kind: input.kind }, 'could not write an audit event');
    }
  }

  recent(userId: string, limit = 20): Promise<AuditEvent[]> {
    return this.events.find({ where: { userId }, order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
  }
}
