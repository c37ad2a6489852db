import { Logger as NestLogger } from '@nestjs/common';
import { AbstractLogger, type LogLevel, type LogMessage } from 'typeorm';

const MAX_QUERY_CHARS = 500;

/**
 * TypeORM's log calls for the server and the admin CLI, without their parameters: TypeORM hands
 * every logger the query's bound values (MAC key ciphertexts, token hashes, password hashes), and
 * this one never looks at them (OWASP ASVS 7.1.1). Failed queries are debug lines (the caller
 * decides what a failure means, and logs it through the error serializer of
 * src/http/log-safety.ts); slow queries and TypeORM's warnings are warnings. The TypeORM CLI
 * (`npm run migration:*`, ormconfig.ts) keeps TypeORM's console logger for its own output.
 */
export class SafeTypeOrmLogger extends AbstractLogger {
  private readonly logger = new NestLogger('Database');

  override logQuery(): void {
    // Never: every query would be a line, with no value to the operator.
  }

  override logQueryError(error: string | Error, query: string): void {
    if (!this.isLogEnabledFor('query-error')) return;
    this.logger.debug({ msg: 'query failed', query: shorten(query), err: typeof error === 'string' ? new Error(error) : error });
  }

  override logQuerySlow(time: number, query: string): void {
    if (!this.isLogEnabledFor('query-slow')) return;
    this.logger.warn({ msg: 'slow query', ms: time, query: shorten(query) });
  }

  /** Schema-build, migration and general messages: text only (no parameters reach them). */
  protected writeLog(level: LogLevel, message: LogMessage | string | number | (LogMessage | string | number)[]): void {
    const texts = (Array.isArray(message) ? message : [message]).map((m) => (typeof m === 'object' ? String(m.message) : String(m)));
    for (const text of texts) {
      if (level === 'warn' || level === 'error') this.logger.warn(text);
      else this.logger.debug(text);
    }
  }
}

function shorten(query: string): string {
  return query.length > MAX_QUERY_CHARS ? `${query.slice(0, MAX_QUERY_CHARS)}…` : query;
}
