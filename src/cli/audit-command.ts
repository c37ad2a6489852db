import { type DynamicModule, Global, Module, type INestApplicationContext, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { AUDIT_KINDS, type AuditEvent, type AuditKind } from '../audit/audit.entity.js';
import { AuditModule } from '../audit/audit.module.js';
import type { AuditQuery } from '../audit/audit-query.js';
import { AuditService } from '../audit/audit.service.js';
import { ROOT_LOGGER } from '../common/tokens.js';
import type { LoadedConfig } from '../config/config.loader.js';
import { NotFound } from '../http/app-error.js';
import { createRootLogger } from '../http/logger.js';
import { text } from '../i18n/locale.js';
import { tryNormalizeUsername } from '../users/username.js';
import { UsersService } from '../users/users.service.js';
import { CliModule } from './cli.module.js';

// `npm run cli -- audit [--user U] [--domain D] [--kind K] [--since 1d|2h|ISO] [--until …]
// [--limit N] [--json]`: the audit log (src/audit), newest first, as a table or as JSON lines.
// Parsing and formatting are plain functions (tested on their own); runAudit only opens the
// database and asks.

export const AUDIT_USAGE = `  audit [--user U] [--domain D] [--kind K[,K…]] [--since T] [--until T] [--limit N] [--json]
        the audit log, newest first: T is a time ago (90s, 15m, 2h, 1d, 4w) or an ISO 8601 date;
        --user takes a username (with --domain, or user@domain); --limit defaults to 100 (at most 10000);
        --json writes one JSON object per line; kinds: ${AUDIT_KINDS.join(', ')}
`;

export class AuditUsageError extends Error {}

export interface AuditArgs {
  user?: { username: string; domain: string | undefined };
  domain?: string;
  kinds?: AuditKind[];
  since?: Date;
  until?: Date;
  limit: number;
  json: boolean;
}

const MAX_LIMIT = 10_000;
const AGO_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `2h` (ago, from `now`) or an ISO 8601 date-time (a date alone is midnight UTC). */
export function parseAuditTime(value: string, now: Date, option: string): Date {
  const ago = /^(\d{1,9})([smhdw])$/.exec(value);
  if (ago) return new Date(now.getTime() - Number(ago[1]) * AGO_UNITS[ago[2]!]! * 1000);
  // ISO 8601 only (Date.parse alone also takes "March 7" and other locale-dependent shapes).
  if (/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i.test(value)) {
    const at = new Date(value);
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw new AuditUsageError(`--${option} expects a time ago such as 90s, 15m, 2h, 1d or 4w, or an ISO 8601 date such as 2026-12-01T08:00:00Z; got ${JSON.stringify(value)}`);
}

export function parseAuditArgs(argv: readonly string[], now: Date): AuditArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        user: { type: 'string' },
        domain: { type: 'string' },
        kind: { type: 'string', multiple: true },
        since: { type: 'string' },
        until: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new AuditUsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new AuditUsageError(`audit takes no positional argument (got ${JSON.stringify(positionals[0])})`);
  const args: AuditArgs = { limit: 100, json: values.json ?? false };
  if (values.domain !== undefined) args.domain = values.domain.toLowerCase();
  if (values.user !== undefined) {
    const at = values.user.lastIndexOf('@');
    const username = tryNormalizeUsername(at < 0 ? values.user : values.user.slice(0, at));
    const domain = at < 0 ? args.domain : values.user.slice(at + 1).toLowerCase();
    if (username === undefined) throw new AuditUsageError(`--user: ${JSON.stringify(values.user)} is not a username`);
    if (args.domain !== undefined && domain !== args.domain) throw new AuditUsageError(`--user ${values.user} is not an account of --domain ${args.domain}`);
    args.user = { username, domain };
  }
  if (values.kind !== undefined) {
    const kinds = values.kind.flatMap((k) => k.split(',')).map((k) => k.trim()).filter((k) => k !== '');
    const unknown = kinds.filter((k) => !(AUDIT_KINDS as readonly string[]).includes(k));
    if (unknown.length > 0) throw new AuditUsageError(`unknown --kind ${unknown.join(', ')}; kinds are ${AUDIT_KINDS.join(', ')}`);
    args.kinds = kinds as AuditKind[];
  }
  if (values.since !== undefined) args.since = parseAuditTime(values.since, now, 'since');
  if (values.until !== undefined) args.until = parseAuditTime(values.until, now, 'until');
  if (args.since && args.until && args.since >= args.until) throw new AuditUsageError('--since must be before --until');
  if (values.limit !== undefined) {
    if (!/^\d{1,6}$/.test(values.limit) || Number(values.limit) < 1 || Number(values.limit) > MAX_LIMIT) {
      throw new AuditUsageError(`--limit expects a whole number from 1 to ${MAX_LIMIT}`);
    }
    args.limit = Number(values.limit);
  }
  return args;
}

/** One event as the CLI prints it: the account by name, never by id. */
export interface AuditLine {
  time: string;
  kind: AuditKind;
  domain: string;
  user: string | null;
  ip: string | null;
  realm: string | null;
  userAgent: string | null;
}

export function toLine(event: AuditEvent, usernames: ReadonlyMap<string, string>): AuditLine {
  return {
    time: new Date(event.createdAt).toISOString(),
    kind: event.kind,
    domain: event.domain,
    user: event.userId === null ? null : (usernames.get(event.userId) ?? null),
    ip: event.ip,
    realm: event.realm,
    userAgent: event.userAgent,
  };
}

/**
 * A table for people: fixed columns, values stripped of control characters (a user agent or a
 * realm is whatever a client sent: it must not move the terminal's cursor or hide a line).
 */
export function formatTable(lines: readonly AuditLine[]): string {
  const header = ['TIME', 'KIND', 'USER', 'IP', 'REALM / USER AGENT'];
  const rows = lines.map((l) => [l.time, l.kind, l.user === null ? '-' : `${l.user}@${l.domain}`, l.ip ?? '-', l.realm ?? l.userAgent ?? '-'].map(printable));
  const widths = header.slice(0, -1).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const render = (cells: string[]) => cells.map((c, i) => (i < widths.length ? c.padEnd(widths[i]!) : c)).join('  ').trimEnd();
  return [render(header), ...rows.map(render)].map((line) => `${line}\n`).join('');
}

function printable(value: string): string {
  // C0, DEL, C1 and the bidirectional overrides (Trojan Source, CVE-2021-42574) become U+FFFD.
  return value.replace(/[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu, '\uFFFD');
}

/** A silent logger for the audit service's write-behind queue (the CLI only reads). */
@Global()
@Module({ providers: [{ provide: ROOT_LOGGER, useFactory: () => createRootLogger('silent') }], exports: [ROOT_LOGGER] })
class CliLoggerModule {}

@Module({})
class AuditCliModule {
  static forRoot(loaded: LoadedConfig): DynamicModule {
    return { module: AuditCliModule, imports: [CliModule.forRoot(loaded), CliLoggerModule, AuditModule] };
  }
}

export interface AuditOutput {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** Runs the query; `defaultDomain` is the one domain when --user names no domain. */
export async function runAudit(args: AuditArgs, loaded: LoadedConfig, io: AuditOutput, logger: LoggerService, defaultDomain: () => string): Promise<void> {
  let context: INestApplicationContext | undefined;
  try {
    context = await NestFactory.createApplicationContext(AuditCliModule.forRoot(loaded), { logger, abortOnError: false });
    const users = context.get(UsersService);
    const query: AuditQuery = { limit: args.limit, domain: args.domain, kinds: args.kinds, since: args.since, until: args.until };
    if (args.user) {
      const domain = args.user.domain ?? defaultDomain();
      const user = await users.find(domain, args.user.username);
      if (user === null) throw new NotFound('unknown_account', text('errors.unknown_account.title'), text('errors.unknown_account.detail', { account: `${args.user.username}@${domain}` }));
      query.userId = user.id;
    }
    const events = await context.get(AuditService).search(query);
    const usernames = new Map<string, string>();
    for (const id of new Set(events.map((e) => e.userId).filter((id): id is string => id !== null))) {
      const user = await users.findById(id);
      if (user) usernames.set(id, user.username);
    }
    const lines = events.map((e) => toLine(e, usernames));
    if (args.json) for (const line of lines) io.stdout.write(`${JSON.stringify(line)}\n`);
    else if (lines.length > 0) io.stdout.write(formatTable(lines));
    if (lines.length === 0) io.stderr.write('no matching events\n');
  } finally {
    await context?.close();
  }
}
