import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { ROOT_LOGGER } from '../common/tokens.js';
import type { AuditEvent, AuditKind } from './audit.entity.js';
import { AuditRepository } from './audit.repository.js';

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
    private readonly events: AuditRepository,
    private readonly clock: Clock,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** Never fails the request it describes: a lost audit line is logged, not thrown. */
  async record(input: AuditInput): Promise<void> {
    try {
      await this.events.append({
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

  /** How many positive assertions to `realm` the user's history holds. */
  assertionsTo(userId: string, realm: string): Promise<number> {
    return this.events.countAssertions(userId, realm);
  }

  recent(userId: string, limit = 20): Promise<AuditEvent[]> {
    return this.events.recentFor(userId, limit);
  }
}
