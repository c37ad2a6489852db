import { Module } from '@nestjs/common';
import { ClusterMetrics } from '../http/cluster-metrics.js';
import { BotModule } from '../xmpp/bot/bot.module.js';
import { HealthController } from './health.controller.js';

@Module({ imports: [BotModule], controllers: [HealthController], providers: [ClusterMetrics] })
export class HealthModule {}
