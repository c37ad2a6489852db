import { type DynamicModule, type INestApplicationContext, type LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { AppConfigModule } from '../config/config.module.js';
import type { LoadedConfig } from '../config/config.loader.js';
import { AssociationAdminService, type KeyUsage } from '../association/association-admin.service.js';
import { AssociationModule } from '../association/association.module.js';
import { CommonModule } from '../common/common.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { RuntimeModule } from '../app.module.js';
import { createRootLogger } from '../http/logger.js';
import { Metrics } from '../http/metrics.js';
import { KeyFileError, newOperatorKey, readKeyFile, replaceKeyFile, withKeyFileLock } from '../secrets/key-file.js';
import { keyFilePath } from '../secrets/open-key-ring.js';
import { FactorsModule } from '../auth/factors/factors.module.js';
import { SecondFactorService } from '../auth/factors/second-factor.service.js';
import { OidcKeysModule } from '../oidc/keys/oidc-keys.module.js';
import { OidcSigningKeysService } from '../oidc/keys/oidc-signing-keys.service.js';
import { OidcStorageModule } from '../oidc/storage/oidc-storage.module.js';
import { OidcStorageService } from '../oidc/storage/oidc-storage.service.js';
import { SecretsModule } from '../secrets/secrets.module.js';

// `npm run cli -- keys list|rotate|remove` and `association revoke <handle>|--all`: the operator
// key file (secrets.key_file) and the shared associations. No key material is ever printed.

export const SECRETS_USAGE = `  keys list [--json]            operator keys: id, creation date, rows each protects (associations, OpenID Connect keys and sessions)
  keys rotate                   add a new key to the key file and make it active
  keys remove <id> [--force]    drop an old key (refused while rows still need it)
  association revoke <handle>   delete a shared association (every instance stops using it within a second)
  association revoke --all      delete every shared association
`;

export interface SecretsCliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

export interface SecretsCommand {
  group: 'keys' | 'association';
  command: string | undefined;
  args: readonly string[];
  all: boolean;
  force: boolean;
  json: boolean;
}

export class SecretsUsageError extends Error {}

@Module({})
class SecretsCliModule {
  static forRoot(loaded: LoadedConfig, io: SecretsCliIo): DynamicModule {
    const logger = createRootLogger('warn', { write: (s: string) => io.stderr.write(s) });
    return {
      module: SecretsCliModule,
      imports: [AppConfigModule.forRoot(loaded), RuntimeModule.forRoot({ logger, metrics: new Metrics() }), CommonModule, SecretsModule.forRoot(loaded.config), DatabaseModule, AssociationModule, OidcKeysModule, OidcStorageModule, FactorsModule],
    };
  }
}

type Usage = KeyUsage & { oidcSigningKeys: number; oidcModels: number; secondFactors: number };

/** The association and provider secret counts of each operator key, with the OpenID Connect rows it seals. */
async function oidcUsage(usage: KeyUsage[], context: INestApplicationContext): Promise<Usage[]> {
  const signing = await context.get(OidcSigningKeysService).sealedPerOperatorKey();
  const models = await context.get(OidcStorageService).sealedPerOperatorKey();
  const factors = await context.get(SecondFactorService).rowsPerKey();
  const out: Usage[] = usage.map((u) => ({ ...u, oidcSigningKeys: signing.get(u.id) ?? 0, oidcModels: models.get(u.id) ?? 0, secondFactors: factors.get(u.id) ?? 0 }));
  for (const id of new Set([...signing.keys(), ...models.keys(), ...factors.keys()])) {
    if (!out.some((u) => u.id === id))
      out.push({ id, createdAt: null, active: false, associations: 0, providerSecrets: 0, lastExpiry: null, oidcSigningKeys: signing.get(id) ?? 0, oidcModels: models.get(id) ?? 0, secondFactors: factors.get(id) ?? 0 });
  }
  return out;
}

/** Checks the command's shape before anything is opened. */
export function checkSecretsCommand(c: SecretsCommand): void {
  const expect = (ok: boolean, message: string): void => {
    if (!ok) throw new SecretsUsageError(message);
  };
  if (c.group === 'keys') {
    expect(c.command === 'list' || c.command === 'rotate' || c.command === 'remove', `unknown command: keys ${c.command ?? ''}`);
    expect(!c.all, `keys ${c.command} does not take --all`);
    expect(c.command === 'remove' || !c.force, `keys ${c.command} does not take --force`);
    expect(c.command === 'list' || !c.json, `keys ${c.command} does not take --json`);
    expect(c.command === 'remove' ? c.args.length === 1 : c.args.length === 0, c.command === 'remove' ? 'keys remove takes exactly one <id>' : `keys ${c.command} takes no positional argument`);
  } else {
    expect(c.command === 'revoke', `unknown command: association ${c.command ?? ''}`);
    expect(!c.force && !c.json, 'association revoke takes <handle> or --all only');
    expect(c.all ? c.args.length === 0 : c.args.length === 1, 'association revoke takes exactly one <handle>, or --all');
  }
}

export async function runSecretsCommand(c: SecretsCommand, loaded: LoadedConfig, io: SecretsCliIo, quietLogger: LoggerService): Promise<void> {
  const { path } = keyFilePath(loaded.config);
  let rotated: string | undefined;
  if (c.group === 'keys' && c.command === 'rotate') {
    // The file first (so a database that is down does not stop a rotation), under its lock.
    rotated = withKeyFileLock(path, () => {
      const keys = existsSync(path) ? readKeyFile(path).keys : [];
      const key = newOperatorKey(new Date());
      replaceKeyFile(path, [...keys, key]);
      return key.id;
    });
    io.stdout.write(`added key ${rotated} to ${path}: it is now the active key (running instances pick it up within ${loaded.config.secrets.reload_interval} s)\n`);
  }
  if (c.group === 'keys' && c.command === 'remove' && !existsSync(path)) throw new KeyFileError(`operator key file ${path} does not exist`);

  let context: INestApplicationContext | undefined;
  try {
    context = await NestFactory.createApplicationContext(SecretsCliModule.forRoot(loaded, io), { logger: quietLogger, abortOnError: false });
    const admin = context.get(AssociationAdminService);
    if (c.group === 'association') {
      const revoked = await admin.revoke(c.all ? undefined : c.args[0]);
      if (!c.all && revoked.length === 0) throw new SecretsUsageError(`no shared association ${c.args[0]}`);
      io.stdout.write(`revoked ${revoked.length} shared association${revoked.length === 1 ? '' : 's'}: every instance stops signing with ${revoked.length === 1 ? 'it' : 'them'} within a second, and relying parties are told invalidate_handle\n`);
      return;
    }
    if (rotated !== undefined) {
      const moved = await admin.resealProviderSecrets();
      // The OpenID Connect signing keys live as long as the provider: they follow the active key,
      // so that an old operator key can go once its associations and Connect rows have expired.
      const signing = await context.get(OidcSigningKeysService).reseal();
      // Authenticator-app secrets (issue 13) live as long as the app: they follow the active key too.
      const factors = await context.get(SecondFactorService).reseal();
      await admin.recordRotation();
      io.stdout.write(
        `re-sealed ${moved} provider secret${moved === 1 ? '' : 's'}, ${factors} authenticator-app secret${factors === 1 ? '' : 's'} and ${signing} OpenID Connect signing key${signing === 1 ? '' : 's'} under ${rotated}; associations and OpenID Connect sessions sealed under older keys stay readable until they expire (see keys list)\n`,
      );
      return;
    }
    const usage = await oidcUsage(await admin.usage(), context);
    if (c.command === 'list') {
      if (c.json) {
        io.stdout.write(`${JSON.stringify(usage, null, 2)}\n`);
      } else {
        for (const u of usage) {
          const state = u.createdAt === null ? 'NOT IN THE KEY FILE' : u.active ? 'active' : 'old';
          const until = u.lastExpiry ? `, needed until ${u.lastExpiry.toISOString()}` : u.providerSecrets + u.oidcSigningKeys + u.oidcModels + u.secondFactors > 0 ? '' : ', removable';
          io.stdout.write(
            `${u.id}\t${u.createdAt?.toISOString() ?? '-'}\t${state}\t${u.associations} associations, ${u.providerSecrets} provider secrets, ${u.oidcSigningKeys} OpenID Connect signing keys, ${u.oidcModels} OpenID Connect sessions and tokens, ${u.secondFactors} authenticator-app secrets${u.active ? '' : until}\n`,
          );
        }
      }
      return;
    }
    // keys remove <id>
    const id = c.args[0]!;
    withKeyFileLock(path, () => {
      const keys = readKeyFile(path).keys;
      const index = keys.findIndex((k) => k.id === id);
      if (index < 0) throw new SecretsUsageError(`no key ${id} in ${path}`);
      if (index === keys.length - 1) throw new SecretsUsageError(`key ${id} is the active key: rotate first`);
      // Pairwise subjects (OpenID Connect Core 1.0 §8.1) are an HMAC under the oldest key
      // (oidc-providers.ts): without it every pairwise client sees its people under new subs.
      const pairwise = loaded.config.oidc.clients.filter((client) => client.subject_type === 'pairwise').map((client) => client.client_id);
      if (index === 0 && pairwise.length > 0 && !c.force) {
        throw new SecretsUsageError(`key ${id} is the oldest key, from which the pairwise subjects of ${pairwise.join(', ')} are derived: removing it gives every person a new sub at those clients (they lose track of their accounts); --force to do it anyway`);
      }
      const used = usage.find((u) => u.id === id);
      if (used && (used.associations > 0 || used.providerSecrets > 0 || used.oidcModels > 0) && !c.force) {
        throw new SecretsUsageError(
          `key ${id} still seals ${used.associations} associations${used.lastExpiry ? ` (the last expires at ${used.lastExpiry.toISOString()})` : ''}, ${used.providerSecrets} provider secrets and ${used.oidcModels} OpenID Connect sessions and tokens: wait, or --force (they become unknown)`,
        );
      }
      // Without its signing keys the OpenID Connect provider cannot start: never, even with --force.
      // Without them the people's authenticator apps stop working (recovery codes only): never either.
      if (used && used.secondFactors > 0) throw new SecretsUsageError(`key ${id} still seals ${used.secondFactors} authenticator-app secrets: run keys rotate (it re-seals them under the new key) first`);
      if (used && used.oidcSigningKeys > 0) throw new SecretsUsageError(`key ${id} still seals ${used.oidcSigningKeys} OpenID Connect signing keys: run keys rotate (it re-seals them under the new key) first`);
      replaceKeyFile(path, keys.filter((k) => k.id !== id));
    });
    io.stdout.write(`removed key ${id} from ${path}\n`);
  } finally {
    await context?.close();
  }
}
