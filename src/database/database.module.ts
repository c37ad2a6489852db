import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { AppConfigService } from '../config/app-config.service.js';
import { AppDataSource, dataSourceOptions, describeDatabase, runMigrations } from './data-source.js';
import { DatabaseHealth } from './database-health.js';
import { DatabaseHealthRepository } from './database-health.repository.js';

/** The one DataSource of the process, with pending migrations applied before anything is served. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => dataSourceOptions(config.all),
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
  constructor(config: AppConfigService) {
    const target = describeDatabase(config.all);
    new Logger('Database').log(`using ${target.kind === 'postgres' ? `PostgreSQL at ${target.description}` : target.description}`);
  }
}
