import { Module } from '@nestjs/common';
import { AccountModule } from '../auth/account.module.js';
import { UsersModule } from '../users/users.module.js';
import { DiscoveryController } from './discovery.controller.js';
import { DiscoveryService } from './discovery.service.js';

@Module({
  imports: [UsersModule, AccountModule],
  controllers: [DiscoveryController],
  providers: [DiscoveryService],
  exports: [DiscoveryService],
})
export class DiscoveryModule {}
