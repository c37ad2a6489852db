import { Controller, Get, Header, Inject, Optional, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppError } from '../http/app-error.js';
import { text, type Text } from '../i18n/locale.js';
import { DatabaseHealth } from '../database/database-health.js';
import { ClusterMetrics } from '../http/cluster-metrics.js';
import { Metrics } from '../http/metrics.js';
import { OpenIdBot, type BotHealth } from '../xmpp/bot/openid-bot.service.js';

export interface Readiness {
  /** degraded: ready to serve OpenID, but an OpenID bot is offline (chat commands and approvals wait). */
  status: 'ok' | 'degraded';
  database: 'ok';
  /** Only when bots are configured. */
  xmpp_bots?: BotHealth[];
}

export class NotReady extends AppError {
  constructor(detail: Text) {
    super('not_ready', 503, text('errors.not_ready.title'), detail, { headers: { 'retry-after': '5' } });
  }
}

/** Liveness, readiness and Prometheus metrics (host-agnostic, see OPERATIONAL_PATHS). */
@Controller()
export class HealthController {
  constructor(
    private readonly database: DatabaseHealth,
    @Inject(Metrics) private readonly metrics: Metrics,
    private readonly cluster: ClusterMetrics,
    @Optional() private readonly bot?: OpenIdBot,
  ) {
    // database_ready says what /readyz would answer now, not at its last call: every process
    // (each worker of a cluster) asks its database when its metrics are read.
    cluster.beforeCollect(async () => {
      const db = await this.database.status();
      this.metrics.databaseReady.set(db.reachable && db.pendingMigrations.length === 0 ? 1 : 0);
    });
  }

  @Get('healthz')
  @Header('cache-control', 'no-store')
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Header('cache-control', 'no-store')
  async readiness(): Promise<Readiness> {
    const db = await this.database.status();
    this.metrics.databaseReady.set(db.reachable && db.pendingMigrations.length === 0 ? 1 : 0);
    if (!db.reachable) throw new NotReady(text('errors.not_ready.database'));
    if (db.pendingMigrations.length > 0) throw new NotReady(text('errors.not_ready.migrations', { migrations: db.pendingMigrations.join(', ') }));
    // An offline bot degrades the service (no chat commands, no approval from the chat app) but
    // passwords and every OpenID endpoint still work: ready all the same, never taken out of a
    // load balancer for it; the details say what is down (and the xmpp_bot_online metric).
    const bots = this.bot?.health() ?? [];
    if (bots.length === 0) return { status: 'ok', database: 'ok' };
    return { status: bots.every((b) => b.state === 'online') ? 'ok' : 'degraded', database: 'ok', xmpp_bots: bots };
  }

  @Get('metrics')
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    // Every worker's figures summed when several processes serve (src/http/cluster-metrics.ts).
    const body = await this.cluster.scrape();
    reply.header('cache-control', 'no-store').type(this.cluster.contentType).send(body);
  }
}
