import { Global, Inject, Logger, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { databaseConfig } from '../config/namespaces.js';
import { AppDataSource, dataSourceOptions, describeDatabase, runMigrations } from './data-source.js';
import { DatabaseHealth } from './database-health.js';
import { DatabaseHealthRepository } from './database-health.repository.js';
import { SafeTypeOrmLogger } from './safe-typeorm-logger.js';

/** The one DataSource of the process, with pending migrations applied before anything is served. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY],
      // Failed queries and TypeORM's warnings reach the log through a logger that never prints
      // query parameters (MAC key ciphertexts, token and password hashes).
      useFactory: async (database: ConfigType<typeof databaseConfig>): Promise<DataSourceOptions> => ({
        ...(await dataSourceOptions({ database })),
        logging: ['error', 'warn'],
        logger: new SafeTypeOrmLogger(['error', 'warn']),
      }),
      dataSourceFactory: async (options?: DataSourceOptions) => {
        const dataSource = await new AppDataSource(options!).initialize();
        const logger = new Logger('Database');
        try {
          const applied = await runMigrations(dataSource);
          if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
        } catch (error) {
          await dataSource.destroy();
          throw error;
        }
        return dataSource;
      },
    }),
  ],
  providers: [DatabaseHealthRepository, DatabaseHealth],
  exports: [DatabaseHealth],
})
export class DatabaseModule {
  constructor(@Inject(databaseConfig.KEY) database: ConfigType<typeof databaseConfig>) {
    // database.url is sensitive: describeDatabase masks its password.
    const target = describeDatabase({ database });
    new Logger('Database').log(`using ${target.kind === 'postgres' ? `PostgreSQL at ${target.description}` : target.description}`);
  }
}
