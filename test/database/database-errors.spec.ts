import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from '../../src/database/database-errors.js';

// Which failures answer 503 database_unavailable (the database away) rather than 500 (a bug) or
// a refusal: the shapes pg, pg-pool and TypeORM give them (seen by test/faults/postgres-down.spec.ts).

const pgError = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });
const socketError = (code: string, syscall = 'connect'): Error => Object.assign(new Error(`${syscall} ${code} 127.0.0.1:5432`), { code, syscall });

describe(isDatabaseUnavailable.name, () => {
  const unavailable: [string, unknown][] = [
    ['connection refused (server stopped)', socketError('ECONNREFUSED')],
    ['connection reset', socketError('ECONNRESET', 'read')],
    ['no Unix socket (shared embedded database gone)', socketError('ENOENT')],
    ['several addresses refused (AggregateError)', new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')])],
    ['57P01 admin_shutdown (pg_ctl stop -m fast)', pgError('57P01', 'terminating connection due to administrator command')],
    ['57P02 crash_shutdown', pgError('57P02')],
    ['57P03 cannot_connect_now (starting up)', pgError('57P03', 'the database system is starting up')],
    ['57014 query_canceled (statement_timeout)', pgError('57014', 'canceling statement due to statement timeout')],
    ['53300 too_many_connections', pgError('53300')],
    ['08006 connection_failure', pgError('08006')],
    ['pg: Connection terminated unexpectedly', new Error('Connection terminated unexpectedly')],
    ['pg-pool: connect timeout', new Error('timeout exceeded when trying to connect')],
    ['pg: query_timeout', new Error('Query read timeout')],
    ['TypeORM QueryFailedError around 57P01', new QueryFailedError('SELECT 1', [], pgError('57P01'))],
    ['wrapped as a cause', new Error('lookup failed', { cause: socketError('ECONNREFUSED') })],
  ];
  const other: [string, unknown][] = [
    ['23505 unique_violation', new QueryFailedError('INSERT', [], pgError('23505'))],
    ['22P02 invalid_text_representation', pgError('22P02')],
    ['42P01 undefined_table (a bug or a missing migration)', pgError('42P01')],
    ['ENOENT of a file, not a socket', socketError('ENOENT', 'open')],
    ['a plain error', new Error('boom')],
    ['not an error', 'ECONNREFUSED'],
    ['null', null],
  ];
  it.each(unavailable)('%s: unavailable', (_, error) => expect(isDatabaseUnavailable(error)).toBe(true));
  it.each(other)('%s: not unavailable', (_, error) => expect(isDatabaseUnavailable(error)).toBe(false));
  it('stops at a cycle of causes', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isDatabaseUnavailable(a)).toBe(false);
  });
});
