import { Module } from '@nestjs/common';
import { PrivateIdentifiersModule } from '../realm/private-identifiers.module.js';
import { UsersModule } from '../users/users.module.js';
import { DiscoveryService } from './discovery.service.js';

/**
 * Discovery documents: XRDS (Yadis) and HTML for the OP identifier and the claimed identifiers
 * and the private identifiers (OpenID 2.0 §7.3). The routes that serve them are the OP endpoint (auth) and the identity page
 * (auth/account), which also shows the owner's management view.
 */
@Module({
  imports: [UsersModule, PrivateIdentifiersModule],
  providers: [DiscoveryService],
  exports: [DiscoveryService],
})
export class DiscoveryModule {}
