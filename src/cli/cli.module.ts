import { type DynamicModule, Module } from '@nestjs/common';
import type { LoadedConfig } from '../config/config.loader.js';
import { AppConfigModule } from '../config/config.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { UsersModule } from '../users/users.module.js';

/** What the admin CLI needs: configuration, database and the services it drives; no HTTP. */
@Module({})
export class CliModule {
  static forRoot(loaded: LoadedConfig): DynamicModule {
    return { module: CliModule, imports: [AppConfigModule.forRoot(loaded), DatabaseModule, UsersModule] };
  }
}
