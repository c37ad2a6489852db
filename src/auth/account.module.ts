import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TrustModule } from '../realm/trust.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccountService } from './account.service.js';
import { AuditEvent } from './audit.entity.js';
import { AuditService } from './audit.service.js';
import { Session } from './session.entity.js';
import { SessionService } from './session.service.js';

/** Sessions, the sign-in history and what a user manages on their identity page. */
@Module({
  imports: [TypeOrmModule.forFeature([Session, AuditEvent]), UsersModule, TrustModule],
  providers: [SessionService, AuditService, AccountService],
  exports: [SessionService, AuditService, AccountService, TrustModule],
})
export class AccountModule {}
