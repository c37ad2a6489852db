import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext, LoggerService } from '@nestjs/common';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type LoadedConfig } from '../config/config.loader.js';
import { EmbeddedDatabaseInUse } from '../database/embedded.js';
import { AppError } from '../http/app-error.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { KeyFileError } from '../secrets/key-file.js';
import { AUDIT_USAGE, AuditUsageError, parseAuditArgs, runAudit } from './audit-command.js';
import { CliModule } from './cli.module.js';
import { checkOidcCommand, OIDC_USAGE, OidcCommandFailed, OidcUsageError, runOidcCommand, type OidcCommand } from './oidc-keys-cli.js';
import { formatOidcClients, listOidcClients, OIDC_USAGE as OIDC_CLIENTS_USAGE, OidcUsageError as OidcClientsUsageError } from './oidc-cli.js';
import { checkSecretsCommand, runSecretsCommand, SECRETS_USAGE, SecretsUsageError, type SecretsCommand } from './secrets-cli.js';

// `npm run cli -- user add|list|passwd|remove|disable|enable`, `npm run cli -- audit …` (audit-command.ts), keys / association (secrets-cli.ts), oidc keys (oidc-keys-cli.ts). Passwords are read from standard
// input only (--password-stdin), never from the command line, where `ps` and shell history see them.

export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, databaseBusy: 3 } as const;

const USAGE = `usage: npm run cli -- <command>

  user add <username> [--domain D] [--email E] [--fullname F] [--nickname N] [--phone P] --password-stdin
  user list [--domain D] [--json]
  user passwd <username> [--domain D] --password-stdin   (ends every session of the account)
  user remove <username> [--domain D]
  user disable <username> [--domain D]
  user enable <username> [--domain D]
${AUDIT_USAGE}
${SECRETS_USAGE}${OIDC_USAGE}${OIDC_CLIENTS_USAGE}
--domain may be left out when exactly one domain is configured.
--password-stdin reads the password from standard input (one line; a trailing newline is dropped).
`;

class BadUsage extends Error {}

const OPTIONS = {
  domain: { type: 'string' },
  email: { type: 'string' },
  fullname: { type: 'string' },
  nickname: { type: 'string' },
  phone: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ALLOWED: Readonly<Record<string, readonly (keyof typeof OPTIONS)[]>> = {
  add: ['domain', 'email', 'fullname', 'nickname', 'phone', 'password-stdin'],
  list: ['domain', 'json'],
  passwd: ['domain', 'password-stdin'],
  remove: ['domain'],
  disable: ['domain'],
  enable: ['domain'],
};

/**
 * A key id or handle that happens to start with "-" (an RFC 7638 thumbprint kid does one time in
 * 64: base64url has "-") is an argument, not an option. parseArgs would refuse it as an unknown
 * option unless it came after "--"; such words (a dash and at least 20 id characters, none of our
 * option names) stand in as placeholders while the options are parsed, then come back.
 */
const IDENTIFIER_LIKE = /^-[A-Za-z0-9_-]{20,}$/;
const OPTION_WORD = new RegExp(`^--(${Object.keys(OPTIONS).join('|')})(=|$)`);

function parseCommandLine(argv: readonly string[]) {
  const shielded = new Map<string, string>();
  const args = argv.map((arg, i) => {
    if (!IDENTIFIER_LIKE.test(arg) || OPTION_WORD.test(arg)) return arg;
    const placeholder = `\u0000arg${i}`;
    shielded.set(placeholder, arg);
    return placeholder;
  });
  const parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  const restore = (v: string): string => shielded.get(v) ?? v;
  const values = Object.fromEntries(Object.entries(parsed.values).map(([k, v]) => [k, typeof v === 'string' ? restore(v) : v])) as typeof parsed.values;
  return { values, positionals: parsed.positionals.map(restore) };
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv[0] === 'audit') return auditCli(argv.slice(1), io);
  let parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    (values.help ? io.stdout : io.stderr).write(USAGE);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const [group, command, ...args] = positionals;
  if (group === 'oidc' && command === 'clients') return oidcClientsCli(command, args, values, io);
  if (group === 'oidc') return runOidc({ command, args, json: values.json === true }, values, io);
  if (group === 'keys' || group === 'association') return runSecrets({ group, command, args, all: values.all === true, force: values.force === true, json: values.json === true }, values, io);
  const allowed = command === undefined ? undefined : ALLOWED[command];
  if (group !== 'user' || !allowed) {
    io.stderr.write(`unknown command: ${positionals.slice(0, 2).join(' ')}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const extra = (Object.keys(values) as (keyof typeof OPTIONS)[]).filter((k) => !allowed.includes(k));
  if (extra.length > 0) {
    io.stderr.write(`user ${command} does not take --${extra.join(', --')}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const wantsName = command !== 'list';
  if ((wantsName && args.length !== 1) || (!wantsName && args.length !== 0)) {
    io.stderr.write(`user ${command} ${wantsName ? 'takes exactly one <username>' : 'takes no positional argument'}\n\n${USAGE}`);
    return EXIT.usage;
  }

  const loaded = configOrExit(io);
  if (typeof loaded === 'number') return loaded;

  let context: INestApplicationContext | undefined;
  try {
    const domain = values.domain ?? defaultDomain(loaded);
    let password: string | undefined;
    if (command === 'add' || command === 'passwd') {
      if (!values['password-stdin']) throw new BadUsage(`user ${command} needs --password-stdin (passwords are never taken from the command line)`);
      password = await readPassword(io);
    }
    context = await NestFactory.createApplicationContext(CliModule.forRoot(loaded), { logger: quietLogger(io), abortOnError: false });
    const users = context.get(UsersService);
    const username = args[0]!;
    switch (command) {
      case 'add': {
        const user = await users.create({ domain, username, password: password!, email: values.email, fullname: values.fullname, nickname: values.nickname, phone: values.phone });
        io.stdout.write(`created ${user.username}@${user.domain}, identifier ${identifierOf(loaded, user)}\n`);
        break;
      }
      case 'list': {
        const list = await users.list(values.domain);
        if (values.json) {
          io.stdout.write(`${JSON.stringify(list.map((u) => ({ ...publicUser(u), identifier: identifierOf(loaded, u), kind: accountKind(loaded, u) })), null, 2)}\n`);
        } else {
          for (const u of list) io.stdout.write(`${u.username}@${u.domain}\t${u.disabled ? 'disabled' : 'active'}\t${identifierOf(loaded, u)}\t${accountKind(loaded, u)}\n`);
          if (list.length === 0) io.stderr.write('no users\n');
        }
        break;
      }
      case 'passwd':
        await users.setPassword(domain, username, password!);
        io.stdout.write(`password changed for ${username}@${domain}\n`);
        break;
      case 'remove':
        await users.remove(domain, username);
        io.stdout.write(`removed ${username}@${domain}\n`);
        break;
      case 'disable':
      case 'enable':
        await users.setDisabled(domain, username, command === 'disable');
        io.stdout.write(`${command}d ${username}@${domain}\n`);
        break;
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof BadUsage) {
      io.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    return failure(error, io, (e) => (e instanceof AppError ? String(e.publicDetail) : undefined));
  } finally {
    await context?.close();
  }
}

async function runSecrets(c: SecretsCommand, values: Record<string, unknown>, io: CliIo): Promise<number> {
  const stray = ['domain', 'email', 'fullname', 'nickname', 'phone', 'password-stdin'].filter((k) => values[k] !== undefined);
  try {
    if (stray.length > 0) throw new SecretsUsageError(`${c.group} ${c.command ?? ''} does not take --${stray.join(', --')}`);
    checkSecretsCommand(c);
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const loaded = configOrExit(io);
  if (typeof loaded === 'number') return loaded;
  try {
    await runSecretsCommand(c, loaded, io, quietLogger(io));
    return EXIT.ok;
  } catch (error) {
    return failure(error, io, (e) => (e instanceof SecretsUsageError || e instanceof KeyFileError ? e.message : undefined));
  }
}

async function runOidc(c: OidcCommand, values: Record<string, unknown>, io: CliIo): Promise<number> {
  const stray = (Object.keys(values) as (keyof typeof OPTIONS)[]).filter((k) => k !== 'json' && values[k] !== undefined);
  try {
    if (stray.length > 0) throw new OidcUsageError(`oidc ${[c.command, ...c.args].join(' ')} does not take --${stray.join(', --')}`);
    checkOidcCommand(c);
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const loaded = configOrExit(io);
  if (typeof loaded === 'number') return loaded;
  try {
    await runOidcCommand(c, loaded, io, quietLogger(io));
    return EXIT.ok;
  } catch (error) {
    return failure(error, io, (e) => (e instanceof OidcCommandFailed || e instanceof KeyFileError ? e.message : undefined));
  }
}

/** `oidc clients list`: from the configuration only (no database). */
function oidcClientsCli(command: string | undefined, args: readonly string[], values: Record<string, unknown>, io: CliIo): number {
  const stray = Object.keys(values).filter((k) => k !== 'domain' && k !== 'json');
  if (command !== 'clients' || args.length !== 1 || args[0] !== 'list' || stray.length > 0) {
    io.stderr.write(`${stray.length > 0 ? `oidc clients list does not take --${stray.join(', --')}` : `unknown command: oidc ${[command, ...args].join(' ')}`}\n\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    const loaded = loadConfig(io.env, io.cwd);
    io.stdout.write(formatOidcClients(listOidcClients(loaded, values['domain'] as string | undefined), values['json'] === true));
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof OidcClientsUsageError) {
      io.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

/** `audit …`: its own options (audit-command.ts), the same configuration, exit codes and errors. */
async function auditCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  let loaded: LoadedConfig;
  try {
    const args = parseAuditArgs(argv, new Date());
    loaded = loadConfig(io.env, io.cwd);
    await runAudit(args, loaded, io, quietLogger(io), () => defaultDomain(loaded));
    return EXIT.ok;
  } catch (error) {
    if (error instanceof AuditUsageError || error instanceof BadUsage || error instanceof ConfigError) {
      io.stderr.write(`${error.message}\n${error instanceof ConfigError ? '' : `\n${USAGE}`}`);
      return EXIT.usage;
    }
    return failure(error, io, (e) => (e instanceof AppError ? String(e.publicDetail) : undefined));
  }
}

/** The configuration, or the usage exit code once a configuration error has been printed. */
function configOrExit(io: CliIo): LoadedConfig | number {
  try {
    return loadConfig(io.env, io.cwd);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

/**
 * The exit code of a command that failed: `failed` (1) with `error: <message>` for what the
 * command's own `message` recognises, `databaseBusy` (3) when the embedded database is held by
 * another process; anything else is a bug and propagates (cli.ts prints it, exit 1).
 */
function failure(error: unknown, io: CliIo, message: (error: unknown) => string | undefined): number {
  const text = message(error);
  if (text !== undefined) {
    io.stderr.write(`error: ${text}\n`);
    return EXIT.failed;
  }
  if (error instanceof EmbeddedDatabaseInUse) {
    io.stderr.write(`error: ${error.message}\n`);
    return EXIT.databaseBusy;
  }
  throw error;
}

function defaultDomain(loaded: LoadedConfig): string {
  const domains = loaded.config.domains;
  if (domains.length === 1) return domains[0]!.name;
  throw new BadUsage(`several domains are configured (${domains.map((d) => d.name).join(', ')}): say which with --domain`);
}

function identifierOf(loaded: LoadedConfig, user: User): string {
  const domain = loaded.config.domains.find((d) => d.name === user.domain);
  return domain ? `${domain.base_url}/openid/${encodeURIComponent(user.username)}` : '(domain no longer configured)';
}

/** Who checks the account's password: its domain's `accounts` (xmpp: the domain's XMPP server). */
function accountKind(loaded: LoadedConfig, user: User): 'local' | 'xmpp' {
  return loaded.config.domains.find((d) => d.name === user.domain)?.accounts === 'xmpp' ? 'xmpp' : 'local';
}

function publicUser(u: User): Record<string, unknown> {
  const { id: _id, ...rest } = u;
  return rest;
}

async function readPassword(io: CliIo): Promise<string> {
  if (io.stdin.isTTY) io.stderr.write('Password (input is not hidden on a terminal; prefer a pipe): ');
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  const text = Buffer.concat(chunks).toString('utf8');
  const password = text.replace(/\r?\n$/, '');
  if (password.includes('\n')) throw new BadUsage('--password-stdin expects a single line');
  if (password.length === 0) throw new BadUsage('no password on standard input');
  return password;
}

function quietLogger(io: CliIo): LoggerService {
  const write = (level: string) => (message: unknown) => io.stderr.write(`${level}: ${String(message)}\n`);
  const ignore = (): void => undefined;
  return { log: ignore, debug: ignore, verbose: ignore, warn: write('warning'), error: write('error'), fatal: write('fatal') };
}
