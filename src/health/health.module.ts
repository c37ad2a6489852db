import { Module } from '@nestjs/common';
import { BotModule } from '../xmpp/bot/bot.module.js';
import { HealthController } from './health.controller.js';

@Module({ imports: [BotModule], controllers: [HealthController] })
export class HealthModule {}
