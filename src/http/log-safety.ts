// What may reach a log line (OWASP ASVS 7.1.1, 7.1.2: no credentials, session tokens or other
// secrets in logs). Every log object goes through scrubLogObject (pino formatters.log) and every
// error through safeError (the `err` serializer), whoever wrote the log call:
//
// - errors keep a fixed list of properties (name, message, stack frames, codes, the database's
//   constraint/table/column names, cause); a failed query's `parameters`, `query` internals,
//   `driverError` and the database's `detail` ("Key (handle)=(…)", "Failing row contains (…)",
//   which quote the row's values, MAC keys included) are never copied;
// - database messages that quote a value ("invalid input syntax for type uuid: "…"") lose it;
// - keys that name a secret (password, secret, token, cookie, mac_key, *_hash, parameters…) are
//   replaced by "[redacted]" at any depth, and binary values (Buffers: keys, hashes, ciphertexts)
//   are replaced by their length, whatever their key.

const REDACTED = '[redacted]';
const MAX_DEPTH = 6;

/** Object keys whose value is never logged, at any depth. */
const SENSITIVE_KEY =
  /^(?:pass(?:word|wd)?|password_?hash|secrets?|\w*_secret|\w*Secret|sealed_?secret|\w*token|\w*Token|mac_?key|macKey|enc_?mac_?key|encMacKey|cookies?|set-cookie|authorization|proxy-authorization|parameters|\w*_hash|\w*Hash|operator_?key|key_?material|criteria)$/i;

/** Error properties worth keeping: identifiers and codes, never values. */
const ERROR_FIELDS = ['code', 'errno', 'syscall', 'status', 'statusCode', 'severity', 'routine', 'constraint', 'table', 'column', 'schema', 'dataType'] as const;

export interface SafeError {
  type: string;
  message: string;
  stack?: string;
  [field: string]: unknown;
}

function isDatabaseError(error: Record<string, unknown>): boolean {
  const name = typeof error['name'] === 'string' ? error['name'] : '';
  return name === 'QueryFailedError' || name === 'DatabaseError' || 'driverError' in error || ('severity' in error && typeof error['code'] === 'string' && /^[0-9A-Z]{5}$/.test(error['code']));
}

/** A database message without the values it may quote. */
export function scrubDatabaseMessage(message: string): string {
  return (
    message
      // "invalid input syntax for type uuid: "…"", "invalid input value for enum x: "…""
      .replace(/: "(?:[^"\\]|\\.)*"\s*$/s, `: "${REDACTED}"`)
      // "Key (handle)=(…) already exists", "Failing row contains (…)"
      .replace(/\)=\((?:.*?)\)(?= |$|\.)/gs, `)=(${REDACTED})`)
      .replace(/Failing row contains \(.*\)/gs, `Failing row contains (${REDACTED})`)
  );
}

function scrubMessage(error: Record<string, unknown>, database: boolean): string {
  const message = typeof error['message'] === 'string' ? error['message'] : String(error['message'] ?? '');
  if (database) return scrubDatabaseMessage(message);
  // TypeORM's EntityNotFoundError quotes the criteria searched (a token hash, a handle…).
  if (error['name'] === 'EntityNotFoundError') return message.replace(/matching:[\s\S]*$/, `matching: ${REDACTED}`);
  return message;
}

/** The stack frames only, under a first line rebuilt from the scrubbed message. */
function scrubStack(stack: unknown, type: string, message: string): string | undefined {
  if (typeof stack !== 'string') return undefined;
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line));
  return [`${type}: ${message}`, ...frames].join('\n');
}

/** The `err` serializer: a copy of the error made of safe properties only. */
export function safeError(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? scrubDatabaseMessage(value) : value;
  const error = value as Record<string, unknown>;
  const type = value instanceof Error ? value.constructor.name : typeof error['type'] === 'string' ? error['type'] : 'Object';
  const database = isDatabaseError(error);
  const message = scrubMessage(error, database);
  const out: SafeError = { type, message };
  const stack = scrubStack(error['stack'], type, message);
  if (stack !== undefined) out.stack = stack;
  for (const field of ERROR_FIELDS) {
    const v = error[field];
    if (typeof v === 'number' || (typeof v === 'string' && v.length <= 64)) out[field] = v;
  }
  // Our own errors' internal detail (AppError, OpenIdError) is written by us; the database's is not.
  if (!database && typeof error['detail'] === 'string') out['detail'] = error['detail'];
  if (depth < 3) {
    if (error['cause'] !== undefined) out['cause'] = safeError(error['cause'], depth + 1);
    if (Array.isArray(error['errors'])) out['errors'] = error['errors'].slice(0, 5).map((e) => safeError(e, depth + 1));
  }
  return out;
}

/** A copy of a log object with secrets removed at any depth (pino formatters.log). */
export function scrubLogObject(object: Record<string, unknown>): Record<string, unknown> {
  return scrub(object, 0) as Record<string, unknown>;
}

function scrub(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${(value as { byteLength: number }).byteLength} bytes]`;
  if (value instanceof Error) return safeError(value);
  if (value instanceof Date) return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (SENSITIVE_KEY.test(key)) out[key] = REDACTED;
    else if (key === 'err' || key === 'error') out[key] = safeError(v);
    else out[key] = scrub(v, depth + 1);
  }
  return out;
}
