import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

const MAX_QUERY_CHARS = 500;

/**
 * TypeORM's log calls, without their parameters: TypeORM hands every logger the query's bound
 * values (MAC keys, token hashes, password hashes), and this one never looks at them (OWASP ASVS
 * 7.1.1). Failed queries are debug lines (the caller decides what a failure means, and logs it
 * through the error serializer of src/http/log-safety.ts); slow queries and TypeORM's warnings are warnings.
 */
export class SafeTypeOrmLogger implements TypeOrmLogger {
  private readonly logger = new NestLogger('Database');

  logQuery(query: string): void {
    this.logger.verbose({ query: shorten(query) });
  }

  logQueryError(error: string | Error, query: string): void {
    this.logger.debug({ msg: 'query failed', query: shorten(query), err: typeof error === 'string' ? new Error(error) : error });
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ msg: 'slow query', ms: time, query: shorten(query) });
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = typeof message === 'string' ? message : 'TypeORM message';
    if (level === 'warn') this.logger.warn(text);
    else this.logger.debug(text);
  }
}

function shorten(query: string): string {
  return query.length > MAX_QUERY_CHARS ? `${query.slice(0, MAX_QUERY_CHARS)}…` : query;
}
