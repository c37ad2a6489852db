import type { LoggerService } from '@nestjs/common';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { safeError, scrubDatabaseMessage, scrubLogObject } from './log-safety.js';

// One pino logger per process: JSON lines on stdout. Secrets are removed from every log object
// (src/http/log-safety.ts: errors reduced to safe fields, secret-named keys and binary values
// replaced at any depth) and redacted by path, so that a careless log call cannot leak them; the
// code also never passes them in the first place.
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.password_hash',
  '*.passwordHash',
  '*.secret',
  '*.mac_key',
  '*.macKey',
  '*.enc_mac_key',
  '*.token',
  '*.parameters',
  '*.sealed_secret',
  '*.sealedSecret',
];

export function createRootLogger(level: LevelWithSilent, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'openid-provider' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: safeError, error: safeError },
      formatters: { level: (label) => ({ level: label }), log: scrubLogObject },
      hooks: {
        // logger.error(error): pino would take error.message as the line's msg, unscrubbed.
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          if (first instanceof Error) {
            const message = typeof rest[0] === 'string' ? (rest.shift() as string) : (safeError(first) as { message: string }).message;
            return method.apply(this, [{ err: first }, message, ...rest] as Parameters<typeof method>);
          }
          return method.apply(this, args);
        },
      },
    },
    destination,
  );
}

/**
 * How long a log line may wait in the stdout buffer below before it is written (when fewer than
 * STDOUT_MIN_WRITE bytes came in the meantime).
 */
export const STDOUT_FLUSH_MS = 250;
/** Bytes of log lines gathered before they are written. */
export const STDOUT_MIN_WRITE = 3072;
/**
 * The largest write(2): PIPE_BUF, up to which POSIX makes a write to a pipe atomic. The workers of
 * a cluster share the primary's stdout; with each write at most this long and made of whole
 * lines (SonicBoom starts a new chunk rather than split a line), their lines never interleave
 * inside a line, as with one write per line before (a single line longer than this is written
 * alone, as then).
 */
export const STDOUT_MAX_WRITE = 4096;

/**
 * stdout for the server's logger: the lines of many requests gathered into one write(2) (pino's
 * asynchronous SonicBoom destination), instead of a system call per line, which cost each request
 * more than the rest of its access line (docs/performance.md, 2026-12-08). A line waits at most
 * STDOUT_FLUSH_MS; whatever is buffered is written synchronously when the process exits, by
 * process.exit() as well (pino registers that for every asynchronous destination), so a clean
 * shutdown, a fatal error and a supervisor's SIGTERM lose nothing. A SIGKILL loses at most the
 * last STDOUT_FLUSH_MS of lines.
 */
export function bufferedStdout(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: STDOUT_MIN_WRITE, maxWrite: STDOUT_MAX_WRITE, periodicFlush: STDOUT_FLUSH_MS });
}

export interface AccessLine {
  reqId: string;
  method: string;
  route: string;
  status: number;
  ms: number;
  ip: string | undefined;
}

/**
 * The access log: one line per answered request with only the fields of AccessLine, none of them
 * secret (the route is its pattern, never the URL with its query). Written as the JSON line pino
 * would write for `logger.info(fields, 'request')`, with the logger's level, bindings (service,
 * worker) and stream, but without its general machinery (formatters, redaction, the scrubbing of
 * every log object): that machinery guards lines whose fields nobody listed in advance, and it
 * cost more than the rest of the line.
 */
export function accessLogger(logger: Logger): (line: AccessLine) => void {
  const stream = (logger as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym];
  const bindings = JSON.stringify(logger.bindings()).slice(1, -1);
  const prefix = `{"level":"info","time":"`;
  const middle = `"${bindings ? `,${bindings}` : ''},"reqId":`;
  // A string field as JSON; a missing one (request.ip of a socket already gone) as null.
  const str = (value: string | undefined): string => (typeof value === 'string' ? JSON.stringify(value) : 'null');
  return (line) => {
    if (!stream || !logger.isLevelEnabled('info')) return;
    stream.write(
      `${prefix}${new Date().toISOString()}${middle}${str(line.reqId)},"method":${str(line.method)},"route":${str(line.route)},"status":${line.status},"ms":${line.ms},"ip":${str(line.ip)},"msg":"request"}\n`,
    );
  };
}

/** Nest's start-up chatter (one line per module and route) is debug, not info. */
const CHATTY_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

/** Nest's logger interface on top of pino, so framework and application lines share one format. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    this.write(typeof context === 'string' && CHATTY_CONTEXTS.has(context) ? 'debug' : 'info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, rest: unknown[]): void {
    // Nest passes the context (class name) last; error() may pass a stack before it.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const stack = level === 'error' && typeof rest[0] === 'string' ? (rest.shift() as string) : undefined;
    const fields: Record<string, unknown> = {};
    if (context) fields['context'] = context;
    // A stack Nest passes as text starts with the error's message: database messages lose their values.
    if (stack) fields['stack'] = scrubDatabaseMessage(stack.split('\n')[0] ?? '') + stack.slice(stack.split('\n')[0]?.length ?? 0);
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, (safeError(message) as { message: string }).message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
