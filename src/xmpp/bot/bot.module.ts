import { Module } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module.js';
import { FactorsModule } from '../../auth/factors/factors.module.js';
import { SessionModule } from '../../auth/session/session.module.js';
import { PrivateIdentifiersModule } from '../../realm/private-identifiers.module.js';
import { TrustModule } from '../../realm/trust.module.js';
import { SregModule } from '../../sreg/sreg.module.js';
import { UsersModule } from '../../users/users.module.js';
import { XmppModule } from '../xmpp.module.js';
import { BotCommandRunner } from './bot-command-runner.js';
import { OpenIdBot } from './openid-bot.service.js';

/** The OpenID bot: started on application bootstrap for every domain with `xmpp.bot`, stopped on shutdown. */
@Module({
  imports: [XmppModule, UsersModule, SessionModule, AuditModule, TrustModule, PrivateIdentifiersModule, SregModule, FactorsModule],
  providers: [BotCommandRunner, OpenIdBot],
  exports: [OpenIdBot],
})
export class BotModule {}
