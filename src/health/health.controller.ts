import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppError } from '../http/app-error.js';
import { DatabaseHealth } from '../database/database-health.js';
import { Metrics } from '../http/metrics.js';

export class NotReady extends AppError {
  constructor(detail: string) {
    super('not_ready', 503, 'Not ready', detail, { headers: { 'retry-after': '5' } });
  }
}

/** Liveness, readiness and Prometheus metrics (host-agnostic, see OPERATIONAL_PATHS). */
@Controller()
export class HealthController {
  constructor(
    private readonly database: DatabaseHealth,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  @Get('healthz')
  @Header('cache-control', 'no-store')
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Header('cache-control', 'no-store')
  async readiness(): Promise<{ status: 'ok'; database: 'ok' }> {
    const db = await this.database.status();
    if (!db.reachable) throw new NotReady('The database is unreachable.');
    if (db.pendingMigrations.length > 0) throw new NotReady(`Database migrations are pending: ${db.pendingMigrations.join(', ')}.`);
    return { status: 'ok', database: 'ok' };
  }

  @Get('metrics')
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    const body = await this.metrics.registry.metrics();
    reply.header('cache-control', 'no-store').type(this.metrics.registry.contentType).send(body);
  }
}
