import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { ROOT_LOGGER } from '../common/tokens.js';
import { databaseConfig } from '../config/namespaces.js';
import { WriteBehind } from '../database/write-behind.js';
import type { AuditEvent, AuditKind } from './audit.entity.js';
import type { AuditQuery } from './audit-query.js';
import { AuditRepository } from './audit.repository.js';

export interface AuditInput {
  kind: AuditKind;
  domain: string;
  userId?: string | null;
  realm?: string | null;
  ip?: string;
  userAgent?: string;
}

/**
 * The sign-in history: written on every login and answer to a relying party, shown to its owner.
 * Written behind the response (src/database/write-behind.ts): batched, flushed before this
 * process reads the history and before the database closes on shutdown.
 */
@Injectable()
export class AuditService implements BeforeApplicationShutdown {
  private readonly queue: WriteBehind<Omit<AuditEvent, 'id'>>;

  constructor(
    private readonly events: AuditRepository,
    private readonly clock: Clock,
    @Inject(databaseConfig.KEY) private readonly database: ConfigType<typeof databaseConfig>,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.queue = new WriteBehind({ write: (batch) => this.events.appendMany(batch), logger, what: 'audit events' });
  }

  /** Never fails nor holds up the request it describes: queued, written within milliseconds. */
  record(input: AuditInput): Promise<void> {
    this.queue.add({
      kind: input.kind,
      domain: input.domain,
      userId: input.userId ?? null,
      realm: input.realm?.slice(0, 2048) ?? null,
      ip: input.ip?.slice(0, 45) ?? null,
      userAgent: input.userAgent?.slice(0, 512) ?? null,
      createdAt: this.clock.now(),
    });
    return Promise.resolve();
  }

  async recent(userId: string, limit = 20): Promise<AuditEvent[]> {
    await this.queue.flush();
    return this.events.recentFor(userId, limit);
  }

  /** How many positive assertions to `realm` the user's history holds (this process's queue written first). */
  async assertionsTo(userId: string, realm: string): Promise<number> {
    await this.queue.flush();
    return this.events.countAssertions(userId, realm);
  }

  /** The events matching `query`, newest first (this process's queue written first): the audit CLI. */
  async search(query: AuditQuery): Promise<AuditEvent[]> {
    await this.queue.flush();
    return this.events.search(query);
  }

  /** Deletes the events older than database.audit_retention; answers how many went. */
  prune(): Promise<number> {
    return this.events.pruneBefore(new Date(this.clock.now().getTime() - this.database.audit_retention * 1000));
  }

  /** Writes what is queued (shutdown, and readers of the table elsewhere). */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.queue.flush();
  }
}
