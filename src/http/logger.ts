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
