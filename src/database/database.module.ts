import { Global, Inject, Logger, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { databaseConfig } from '../config/namespaces.js';
import { AppDataSource, dataSourceOptions, describeDatabase, runMigrations } from './data-source.js';
import { DatabaseHealth } from './database-health.js';
import { DatabaseHealthRepository } from './database-health.repository.js';

/** The one DataSource of the process, with pending migrations applied before anything is served. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: (database: ConfigType<typeof databaseConfig>) => dataSourceOptions({ database }),
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
