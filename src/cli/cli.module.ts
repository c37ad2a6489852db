import { type DynamicModule, Module } from '@nestjs/common';
import type { LoadedConfig } from '../config/config.loader.js';
import { AppConfigModule } from '../config/config.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { SessionModule } from '../auth/session/session.module.js';
import { CommonModule } from '../common/common.module.js';
import { UsersModule } from '../users/users.module.js';

/**
 * What the admin CLI needs: configuration, database and the services it drives (sessions too: a
 * new password ends the account's sessions); no HTTP.
 */
@Module({})
export class CliModule {
  static forRoot(loaded: LoadedConfig): DynamicModule {
    return { module: CliModule, imports: [AppConfigModule.forRoot(loaded), CommonModule, DatabaseModule, UsersModule, SessionModule] };
  }
}
