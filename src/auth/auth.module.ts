import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../common/tokens.js';
import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AssociationModule } from '../association/association.module.js';
import { DiscoveryModule } from '../discovery/discovery.module.js';
import { RealmModule } from '../realm/realm.module.js';
import { SregModule } from '../sreg/sreg.module.js';
import { UsersModule } from '../users/users.module.js';
import { XmppModule } from '../xmpp/xmpp.module.js';
import { OidcModule } from '../oidc/oidc.module.js';
import { databaseConfig } from '../config/namespaces.js';
import { schedulePruning } from '../database/prune-schedule.js';
import { AuditModule } from '../audit/audit.module.js';
import { PrivateIdentifiersModule } from '../realm/private-identifiers.module.js';
import { TrustModule } from '../realm/trust.module.js';
import { BotModule } from '../xmpp/bot/bot.module.js';
import { AccountModule } from './account/account.module.js';
import { ApprovalController } from './approval/approval.controller.js';
import { LoginApproval } from './approval/login-approval.entity.js';
import { LoginApprovalRepository } from './approval/login-approval.repository.js';
import { LoginApprovalService } from './approval/login-approval.service.js';
import { CheckidService } from './checkid/checkid.service.js';
import { ConsentController } from './consent/consent.controller.js';
import { ConsentService } from './consent/consent.service.js';
import { CredentialBackend } from './login/credential-backend.js';
import { EndpointController } from './endpoint.controller.js';
import { EndpointService } from './endpoint.service.js';
import { DomainCredentialBackend } from './login/domain-credential-backend.js';
import { LocalCredentialBackend } from './login/local-credential-backend.js';
import { XmppCredentialBackend } from './login/xmpp-credential-backend.js';
import { LoginController } from './login/login.controller.js';
import { SecondFactorController } from './login/second-factor.controller.js';
import { PasskeyLoginController } from './login/passkey-login.controller.js';
import { PasskeyLoginService } from './login/passkey-login.service.js';
import { PasskeyService } from './factors/passkey.service.js';
import { SecondFactorLoginService } from './login/second-factor-login.service.js';
import { FactorsModule } from './factors/factors.module.js';
import { SecondFactorService } from './factors/second-factor.service.js';
import { LoginService } from './login/login.service.js';
import { LoginDeviceRepository } from './login/login-device.repository.js';
import { LoginDeviceService } from './login/login-device.service.js';
import { LoginThrottleRepository } from './login/login-throttle.repository.js';
import { LoginThrottleService } from './login/login-throttle.service.js';
import { PendingRequestRepository } from './checkid/pending-request.repository.js';
import { PendingRequestService } from './checkid/pending-request.service.js';
import { ClientRateLimits } from './client-rate-limits.js';
import { PendingRequest } from './checkid/pending-request.entity.js';
import { SessionModule } from './session/session.module.js';
import { SessionService } from './session/session.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([PendingRequest, LoginApproval]), BotModule, UsersModule, SessionModule, AuditModule, TrustModule, PrivateIdentifiersModule, AssociationModule, AccountModule, DiscoveryModule, RealmModule, SregModule, XmppModule, OidcModule, FactorsModule],
  controllers: [EndpointController, LoginController, SecondFactorController, PasskeyLoginController, ConsentController, ApprovalController],
  providers: [ClientRateLimits, PendingRequestRepository, PendingRequestService, CheckidService, EndpointService, LoginService, ConsentService, LoginThrottleService, LoginThrottleRepository, LoginDeviceService, LoginDeviceRepository, LocalCredentialBackend,
    XmppCredentialBackend,
    { provide: CredentialBackend, useClass: DomainCredentialBackend },
    // Sign-in approval from the chat app (XEP-0070), src/auth/approval.
    LoginApprovalRepository,
    LoginApprovalService,
    // Second factors at sign-in and step-up (issue 13).
    SecondFactorLoginService,
    // Passkey-only sign-in (issue 13, security.passkeys.sign_in).
    PasskeyLoginService,
  ],
})
export class AuthModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private stop: (() => void) | undefined;

  constructor(
    private readonly sessions: SessionService,
    private readonly pending: PendingRequestService,
    private readonly throttle: LoginThrottleService,
    private readonly devices: LoginDeviceService,
    private readonly approvals: LoginApprovalService,
    private readonly factors: SecondFactorService,
    private readonly passkeys: PasskeyService,
    @Inject(databaseConfig.KEY) private readonly database: ConfigType<typeof databaseConfig>,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    // Expired sessions and abandoned requests are deleted every database.prune_interval by every instance.
    this.stop = schedulePruning(this.database.prune_interval, this.logger, {
      sessions: () => this.sessions.pruneExpired(),
      'pending requests': () => this.pending.pruneExpired(),
      'login throttle': () => this.throttle.prune(),
      'device cookies': () => this.devices.pruneExpired(),
      'sign-in approvals': () => this.approvals.pruneExpired(),
      'unconfirmed second factors': () => this.factors.pruneUnconfirmed(),
      'passkey challenges': () => this.passkeys.pruneChallenges(),
    });
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }
}
