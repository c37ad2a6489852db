import { type DynamicModule, type INestApplicationContext, type LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RuntimeModule } from '../app.module.js';
import { ALL_DOMAINS } from '../association/association-admin.service.js';
import { AuditModule } from '../audit/audit.module.js';
import { AuditService } from '../audit/audit.service.js';
import { CommonModule } from '../common/common.module.js';
import type { LoadedConfig } from '../config/config.loader.js';
import { AppConfigModule } from '../config/config.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { createRootLogger } from '../http/logger.js';
import { Metrics } from '../http/metrics.js';
import { OidcKeysModule } from '../oidc/keys/oidc-keys.module.js';
import { OidcSigningKeysService, SigningKeyRefused } from '../oidc/keys/oidc-signing-keys.service.js';
import { SecretsModule } from '../secrets/secrets.module.js';

// `npm run cli -- oidc keys list|rotate|remove <kid>`: the OpenID Connect signing keys
// (src/oidc/keys). Ids, algorithms and dates only: no key material is ever printed.

export const OIDC_USAGE = `  oidc keys list [--json]       OpenID Connect signing keys: kid, alg, created, active/retired, published until
  oidc keys rotate              a new active key per algorithm; the old ones stay published for oidc.keys.retain_for
  oidc keys remove <kid>        delete a retired signing key past oidc.keys.retain_for
`;

export interface OidcCliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

export interface OidcCommand {
  command: string | undefined;
  args: readonly string[];
  json: boolean;
}

export class OidcUsageError extends Error {}
/** A refused action (exit 1): unknown kid, a key still active or published. */
export class OidcCommandFailed extends Error {}

@Module({})
class OidcCliModule {
  static forRoot(loaded: LoadedConfig, io: OidcCliIo): DynamicModule {
    const logger = createRootLogger('warn', { write: (s: string) => io.stderr.write(s) });
    return {
      module: OidcCliModule,
      imports: [AppConfigModule.forRoot(loaded), RuntimeModule.forRoot({ logger, metrics: new Metrics() }), CommonModule, SecretsModule.forRoot(loaded.config), DatabaseModule, AuditModule, OidcKeysModule],
    };
  }
}

/** Checks the command's shape (`oidc <command> <args>`) before anything is opened. */
export function checkOidcCommand(c: OidcCommand): void {
  const [sub, ...rest] = c.args;
  if (c.command !== 'keys' || (sub !== 'list' && sub !== 'rotate' && sub !== 'remove')) throw new OidcUsageError(`unknown command: oidc ${[c.command, sub].filter(Boolean).join(' ')}`);
  if (c.json && sub !== 'list') throw new OidcUsageError(`oidc keys ${sub} does not take --json`);
  if (sub === 'remove' ? rest.length !== 1 : rest.length !== 0) throw new OidcUsageError(sub === 'remove' ? 'oidc keys remove takes exactly one <kid>' : `oidc keys ${sub} takes no positional argument`);
}

export async function runOidcCommand(c: OidcCommand, loaded: LoadedConfig, io: OidcCliIo, quietLogger: LoggerService): Promise<void> {
  const [sub, kid] = c.args;
  let context: INestApplicationContext | undefined;
  try {
    context = await NestFactory.createApplicationContext(OidcCliModule.forRoot(loaded, io), { logger: quietLogger, abortOnError: false });
    const keys = context.get(OidcSigningKeysService);
    const audit = context.get(AuditService);
    switch (sub) {
      case 'list': {
        // The first use generates the keys, as the first start of the provider would.
        await keys.current();
        const list = await keys.list();
        if (c.json) {
          io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
          break;
        }
        for (const k of list) {
          const state = k.state === 'active' ? 'active' : k.state === 'retired' ? `retired ${k.retiredAt!.toISOString()}, published until ${k.publishedUntil!.toISOString()}` : `retired ${k.retiredAt!.toISOString()}, removable`;
          io.stdout.write(`${k.kid}\t${k.alg}\t${k.createdAt.toISOString()}\t${state}\n`);
        }
        break;
      }
      case 'rotate': {
        const made = await keys.rotate();
        await audit.record({ kind: 'oidc_signing_key_rotated', domain: ALL_DOMAINS });
        await audit.flush();
        for (const k of made) io.stdout.write(`new active ${k.alg} key ${k.kid}\n`);
        io.stdout.write(`the previous keys are retired and stay published for ${loaded.config.oidc.keys.retain_for} s (oidc.keys.retain_for); running instances sign with the new keys once they reload the key set\n`);
        break;
      }
      default: {
        try {
          await keys.remove(kid!);
        } catch (error) {
          if (error instanceof SigningKeyRefused) throw new OidcCommandFailed(error.message);
          throw error;
        }
        await audit.record({ kind: 'oidc_signing_key_removed', domain: ALL_DOMAINS });
        await audit.flush();
        io.stdout.write(`removed signing key ${kid}\n`);
      }
    }
  } finally {
    await context?.close();
  }
}
