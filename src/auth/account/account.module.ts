import { Module } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module.js';
import { DiscoveryModule } from '../../discovery/discovery.module.js';
import { PrivateIdentifiersModule } from '../../realm/private-identifiers.module.js';
import { TrustModule } from '../../realm/trust.module.js';
import { UsersModule } from '../../users/users.module.js';
import { SessionModule } from '../session/session.module.js';
import { BotModule } from '../../xmpp/bot/bot.module.js';
import { FactorsModule } from '../factors/factors.module.js';
import { FactorsController } from './factors.controller.js';
import { AccountFactorsService } from './factors.service.js';
import { AccountController } from './account.controller.js';
import { AccountService } from './account.service.js';
import { IdentityPageController } from './identity-page.controller.js';
import { IdentityPageService } from './identity-page.service.js';

/** The identity page and what its owner manages there: profile, second factors, trusted sites, sessions, history. */
@Module({
  imports: [UsersModule, TrustModule, PrivateIdentifiersModule, SessionModule, AuditModule, DiscoveryModule, FactorsModule, BotModule],
  controllers: [IdentityPageController, AccountController, FactorsController],
  providers: [AccountService, IdentityPageService, AccountFactorsService],
})
export class AccountModule {}
