import { Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AssociationModule } from '../association/association.module.js';
import { DiscoveryModule } from '../discovery/discovery.module.js';
import { RealmModule } from '../realm/realm.module.js';
import { SregModule } from '../sreg/sreg.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccountController } from './account.controller.js';
import { AccountModule } from './account.module.js';
import { CheckidService } from './checkid/checkid.service.js';
import { ConsentController } from './consent.controller.js';
import { CredentialBackend } from './credential-backend.js';
import { EndpointController } from './endpoint.controller.js';
import { LocalCredentialBackend } from './local-credential-backend.js';
import { LoginController } from './login.controller.js';
import { LoginThrottleRepository } from './login-throttle.repository.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { PendingRequestService } from './pending-request.service.js';
import { PendingRequest } from './session.entity.js';
import { SessionService } from './session.service.js';

const PRUNE_EVERY_MS = 10 * 60 * 1000;

@Module({
  imports: [TypeOrmModule.forFeature([PendingRequest]), UsersModule, AssociationModule, AccountModule, DiscoveryModule, RealmModule, SregModule],
  controllers: [EndpointController, LoginController, ConsentController, AccountController],
  providers: [PendingRequestService, CheckidService, LoginThrottleService, LoginThrottleRepository, { provide: CredentialBackend, useClass: LocalCredentialBackend }],
})
export class AuthModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sessions: SessionService,
    private readonly pending: PendingRequestService,
    private readonly throttle: LoginThrottleService,
  ) {}

  onApplicationBootstrap(): void {
    // Expired sessions and abandoned requests are deleted now and then by every instance.
    this.timer = setInterval(() => void Promise.allSettled([this.sessions.pruneExpired(), this.pending.pruneExpired(), this.throttle.prune()]), PRUNE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
