// Which failures mean "the database cannot be reached right now" (stopped, restarting, cut off,
// saturated or too slow), as opposed to a bug or a refused row. Requests that meet one answer a
// structured 503 with Retry-After (src/http/error-responder.ts), never a 500 and never a guess:
// nothing is assumed about a user, a session or an assertion that could not be read.

// PostgreSQL SQLSTATE (Appendix A, "PostgreSQL Error Codes"): class 08 connection exception,
// 53300 too_many_connections, 57014 query_canceled (statement_timeout), 57P01 admin_shutdown
// (pg_ctl stop -m fast), 57P02 crash_shutdown (-m immediate), 57P03 cannot_connect_now (starting
// up or recovering), 57P05 idle_session_timeout.
const UNAVAILABLE_SQLSTATE = /^(?:08...|53300|57014|57P0[1235])$/;

// Node socket errors raised by pg when the server is not there or the link broke.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ENOENT']);

// pg and pg-pool raise these as plain Errors without a code: a link that closed under a query,
// the connection timeout (connectionTimeoutMillis) waiting for a connection or a pool slot, and
// the client's query_timeout (a server that stopped answering).
const DRIVER_MESSAGES = [/^Connection terminated/, /^Query read timeout$/, /^timeout exceeded when trying to connect/, /^Client has encountered a connection error and is not queryable/, /^Client was closed and is not queryable/];

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/** True when `error` (or what TypeORM wrapped: driverError, cause, AggregateError members) says the database is unreachable. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 4) return false;
  const code = codeOf(error);
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || SOCKET_CODES.has(code))) {
    // ENOENT only counts for a Unix socket that is not there (the shared embedded database).
    if (code !== 'ENOENT' || /connect/.test(String((error as { syscall?: unknown }).syscall ?? ''))) return true;
  }
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && DRIVER_MESSAGES.some((m) => m.test(message))) return true;
  const nested = [(error as { driverError?: unknown }).driverError, (error as { cause?: unknown }).cause, ...((error as { errors?: unknown }).errors instanceof Array ? ((error as { errors: unknown[] }).errors) : [])];
  return nested.some((inner) => inner !== error && isDatabaseUnavailable(inner, depth + 1));
}
