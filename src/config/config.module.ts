import { type DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfigService } from './app-config.service.js';
import type { LoadedConfig } from './config.loader.js';

/** Makes the configuration loaded (and validated) before Nest starts available to every module. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(loaded: LoadedConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: AppConfigService, useValue: new AppConfigService(loaded.config, loaded.file) }],
      exports: [AppConfigService],
    };
  }
}
