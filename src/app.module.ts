import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import type { Logger } from 'pino';
import { CommonModule } from './common/common.module.js';
import { ROOT_LOGGER } from './common/tokens.js';
import type { LoadedConfig } from './config/config.loader.js';
import { AppConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { AllExceptionsFilter } from './http/all-exceptions.filter.js';
import { Metrics } from './http/metrics.js';
import { createValidationPipe } from './http/validation.js';
import { AuthModule } from './auth/auth.module.js';
import { AssetsModule } from './http/assets.module.js';
import { SecretsModule } from './secrets/secrets.module.js';
import { UsersModule } from './users/users.module.js';
import { OidcModule } from './oidc/oidc.module.js';

export { ROOT_LOGGER };

/** Process-wide objects made before Nest starts (the logger is needed to log Nest's own start-up). */
export interface AppRuntime {
  logger: Logger;
  metrics: Metrics;
}

@Global()
@Module({})
export class RuntimeModule {
  static forRoot(runtime: AppRuntime): DynamicModule {
    return {
      module: RuntimeModule,
      providers: [
        { provide: ROOT_LOGGER, useValue: runtime.logger },
        { provide: Metrics, useValue: runtime.metrics },
      ],
      exports: [ROOT_LOGGER, Metrics],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(loaded: LoadedConfig, runtime: AppRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [AppConfigModule.forRoot(loaded), RuntimeModule.forRoot(runtime), CommonModule, SecretsModule.forRoot(loaded.config), DatabaseModule, UsersModule, HealthModule, AssetsModule, AuthModule, OidcModule],
      providers: [
        { provide: APP_FILTER, inject: [ROOT_LOGGER], useFactory: (logger: Logger) => new AllExceptionsFilter(logger) },
        // Every DTO (forms, queries, path parameters) is checked by this one pipe (src/http/validation.ts).
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
