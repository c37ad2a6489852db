import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { LoadedConfig } from './config.loader.js';
import { Domains } from './domains.js';
import { namespaceLoaders } from './namespaces.js';

/**
 * Serves the configuration loaded and validated before Nest started (loadConfig / parseConfig)
 * through @nestjs/config: one registerAs namespace per section (namespaces.ts), plus Domains.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(loaded: LoadedConfig): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          load: namespaceLoaders(loaded.config),
          // The YAML file is the one source; DATABASE_URL, LOG_LEVEL and OPENID_PROVIDER_CONFIG
          // are applied by loadConfig() and documented. Nothing else may leak in from the
          // environment, so:
          // - no .env file is read (expandVariables only concerns .env files, so it stays off);
          ignoreEnvFile: true,
          // - ConfigService.get never falls back to process.env for a key the sections lack;
          skipProcessEnv: true,
          // - process.env is not handed to a `validate`/`validationSchema` step, whose result
          //   ConfigService.get would read even with skipProcessEnv. There is none today
          //   (validation happened before Nest); this keeps one added later from reopening the hole.
          validatePredefined: false,
        }),
      ],
      providers: [Domains],
      exports: [Domains],
    };
  }
}
