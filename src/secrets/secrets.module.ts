import { type DynamicModule, Global, Logger, Module } from '@nestjs/common';
import type { Config } from '../config/config.schema.js';
import { KeyRing } from './key-ring.js';
import { openKeyRing } from './open-key-ring.js';

/**
 * The operator key ring (secrets.key_file), read and checked while the application starts: a
 * missing, unreadable, world-accessible or malformed key file stops start-up with its name.
 */
@Global()
@Module({})
export class SecretsModule {
  static forRoot(config: Config): DynamicModule {
    return {
      module: SecretsModule,
      providers: [
        {
          provide: KeyRing,
          useFactory: () => {
            const logger = new Logger('Secrets');
            return openKeyRing(config, { info: (m) => logger.log(m), warn: (m) => logger.warn(m) });
          },
        },
      ],
      exports: [KeyRing],
    };
  }
}
