import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../../users/users.module.js';
import { Session } from './session.entity.js';
import { SessionRepository } from './session.repository.js';
import { SessionService } from './session.service.js';

/** Login sessions: created at login, resolved from the cookie on every page, ended by the owner. */
@Module({
  imports: [TypeOrmModule.forFeature([Session]), UsersModule],
  providers: [SessionRepository, SessionService],
  exports: [SessionService],
})
export class SessionModule {}
